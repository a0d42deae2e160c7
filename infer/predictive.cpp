// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/predictive.h>

#include <algorithm>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace detail {

void LatentConditionMessenger::process_message(Message& msg) {
  // A site is latent here when nothing inner has given it a value: observed sites (data, and
  // deterministic sites, which are observed at their computed value) are left alone.
  if (msg.type != SiteType::sample || msg.is_observed || msg.infer.is_deterministic || msg.infer.is_auxiliary) return;
  auto it = values_.find(msg.name);
  if (it == values_.end()) return;
  PPLX_CHECK_AS(ValueError, it->second.defined(), "Predictive: value for site '", msg.name, "' is undefined");
  msg.value = it->second;
  msg.is_observed = true;
  fixed_.insert(msg.name);
}

PredictiveBase::PredictiveBase(int64_t num_samples, std::vector<std::string> return_sites,
                               handlers::TensorMap posterior_samples)
    : num_samples_(num_samples),
      return_sites_(std::move(return_sites)),
      posterior_samples_(std::move(posterior_samples)) {
  if (posterior_samples_.empty()) {
    PPLX_CHECK_AS(ValueError, num_samples_ >= 1, "Predictive: num_samples must be >= 1, got ", num_samples_);
    return;
  }
  int64_t n = -1;
  std::string first;
  for (const auto& kv : posterior_samples_) {
    PPLX_CHECK_AS(ValueError, kv.second.defined() && kv.second.dim() >= 1, "Predictive: posterior sample '", kv.first,
                  "' must be a tensor with a leading sample dim");
    if (n < 0) {
      n = kv.second.size(0);
      first = kv.first;
    }
    PPLX_CHECK_AS(ShapeError, kv.second.size(0) == n,
                  "Predictive: posterior samples disagree on the number of "
                  "samples: '",
                  first, "' has ", n, ", '", kv.first, "' has ", kv.second.size(0));
  }
  if (num_samples_ == 0) num_samples_ = n;
  PPLX_CHECK_AS(ValueError, num_samples_ == n, "Predictive: num_samples is ", num_samples_,
                " but the posterior samples hold ", n, " (pass 0 to use theirs)");
}

handlers::TensorMap PredictiveBase::posterior_sample(int64_t i) const {
  handlers::TensorMap out;
  for (const auto& kv : posterior_samples_) out.emplace(kv.first, kv.second[i]);
  return out;
}

handlers::TensorMap PredictiveBase::guide_sample(const Trace& guide_trace) {
  handlers::TensorMap out;
  for (const auto& s : guide_trace)
    if (is_latent(s)) out.emplace(s.name, s.value);
  return out;
}

void PredictiveBase::collect(const Trace& model_trace, const std::unordered_set<std::string>& fixed) {
  if (collected_.empty()) {
    // The first draw decides the sites (later draws must produce the same ones).
    if (return_sites_.empty()) {
      for (const auto& s : model_trace) {
        if (s.type != SiteType::sample || fixed.count(s.name)) continue;
        if (s.is_observed && !s.infer.is_deterministic) continue;  // data given to the model
        collected_.push_back({s.name, {}});
      }
    } else {
      for (const auto& name : return_sites_) {
        const Site* s = model_trace.find(name);
        PPLX_CHECK_AS(SiteError, s && s->type == SiteType::sample, "Predictive: return site '", name,
                      "' is not a sample site of the model; its sites are: ", model_trace.site_names());
        collected_.push_back({name, {}});
      }
    }
  }
  for (auto& c : collected_) {
    const Site* s = model_trace.find(c.first);
    PPLX_CHECK_AS(SiteError, s != nullptr, "Predictive: site '", c.first,
                  "' appeared in the first draw but not in draw ", c.second.size());
    c.second.push_back(s->value);
  }
}

handlers::TensorMap PredictiveBase::stack() {
  handlers::TensorMap out;
  for (auto& c : collected_) {
    try {
      out.emplace(c.first, at::stack(c.second));
    } catch (const c10::Error&) {
      throw ShapeError("Predictive: the values of site '", c.first,
                       "' change shape between draws; they cannot be stacked");
    }
  }
  collected_.clear();
  return out;
}

}  // namespace detail
}  // namespace infer
}  // namespace pplx
