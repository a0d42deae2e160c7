// SPDX-License-Identifier: Apache-2.0
// Trace: the ordered record of the sites one run of a model or guide produced.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <pplx/message.h>

namespace pplx {

/// Sites in execution order, indexed by name (Pyro's Trace). Sample names are unique; a param may
/// appear several times (the site is kept once); a plate name may repeat only with the same size.
class Trace {
 public:
  using const_iterator = std::vector<Site>::const_iterator;
  using iterator = std::vector<Site>::iterator;

  /// Records a finished message. Throws pplx::SiteError on a duplicate sample site and
  /// pplx::ShapeError when a plate name is reused with a different size.
  void add(const Message& msg);

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  /// Null when absent.
  const Site* find(const std::string& name) const;
  Site* find(const std::string& name);
  /// Throws pplx::SiteError listing the trace's sites when absent.
  const Site& at(const std::string& name) const;
  Site& at(const std::string& name);

  size_t size() const { return sites_.size(); }
  bool empty() const { return sites_.empty(); }
  const_iterator begin() const { return sites_.begin(); }
  const_iterator end() const { return sites_.end(); }
  iterator begin() { return sites_.begin(); }
  iterator end() { return sites_.end(); }
  /// Forgets every site but keeps the storage, so a trace reused across steps does not reallocate.
  void clear();

  /// Fills unscaled_log_prob, log_prob (scale and mask applied) and log_prob_sum of every sample
  /// site (model and guide alike; skipped where already computed). Errors from a distribution are
  /// rethrown as pplx::Error naming the site and the shapes.
  void compute_log_prob(const std::function<bool(const Site&)>& site_filter = nullptr);
  /// Sum of log_prob over sample sites passing `site_filter` (all sample sites by default).
  at::Tensor log_prob_sum(const std::function<bool(const Site&)>& site_filter = nullptr);

  /// Names of the sites in order, for error messages ("a, b, c").
  std::string site_names() const;

 private:
  std::vector<Site> sites_;
  std::unordered_map<std::string, size_t> index_;
};

/// Whether a sample site is a latent variable (not observed, not a factor or deterministic).
bool is_latent(const Site& site);

/// log_prob with Pyro's scale_and_mask: zero where mask is false, times scale elsewhere.
at::Tensor scale_and_mask(const at::Tensor& log_prob, double scale, const at::Tensor& mask);

}  // namespace pplx
