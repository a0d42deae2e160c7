// SPDX-License-Identifier: Apache-2.0
// Trace: the ordered record of the sites one run of a model or guide produced.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <pplx/message.h>

namespace pplx {

/// Whether a site adds to its trace's log-density (and so to an ELBO): a sample site that is not
/// deterministic. A deterministic site is a Delta at its own value, whose log-density is 0, so
/// skipping it changes no sum (Pyro's Trace_ELBO adds its zero).
bool adds_to_log_density(const Site& site);

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
  /// Sum of log_prob over the sites passing `site_filter` (by default those that add to the
  /// log-density: adds_to_log_density). A 0-dim double zero when none does.
  at::Tensor log_prob_sum(const std::function<bool(const Site&)>& site_filter = adds_to_log_density);

  /// Names of the sites in order, for error messages ("a, b, c").
  std::string site_names() const;

 private:
  std::vector<Site> sites_;
  std::unordered_map<std::string, size_t> index_;
};

/// Named parameters as the optimizers take them: store name -> unconstrained leaf tensor.
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

/// The unconstrained tensors of the param sites of `trace` that have one, in order: what an
/// optimizer updates (pyro/infer/svi.py: `site["value"].unconstrained()` over a param-only trace).
/// A substituted param has none and is skipped. The one place that says which sites are
/// parameters to optimize.
///
///   optim.step(pplx::named_params(param_trace));
NamedTensors named_params(const Trace& trace);

/// Whether a sample site is a latent variable (not observed, not a factor or deterministic).
bool is_latent(const Site& site);

/// log_prob with Pyro's scale_and_mask: zero where mask is false, times scale elsewhere.
at::Tensor scale_and_mask(const at::Tensor& log_prob, double scale, const at::Tensor& mask);

}  // namespace pplx
