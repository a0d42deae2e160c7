// SPDX-License-Identifier: Apache-2.0
// Predictive: posterior predictive samples (pyro/infer/predictive.py, sequential form).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/handlers/condition.h>
#include <pplx/handlers/trace.h>
#include <pplx/messenger.h>
#include <pplx/trace.h>

namespace pplx {
namespace infer {

namespace detail {
/// Marks a Predictive built from posterior samples rather than a guide.
struct NoGuide {
  template <class... Args>
  void operator()(Args&&...) const {}
};

/// Fixes the latent sample sites named in `values` (Pyro's condition, restricted to latent sites):
/// deterministic sites and observed sites keep what the model computes or is given. So a
/// deterministic site stored with the posterior samples is recomputed from the fixed latents and
/// the model's current inputs, not replayed with the training inputs' values (NumPyro #1772,
/// numpyro/infer/util.py `_predictive`). Records which sites it fixed in this run.
///
///   detail::LatentConditionMessenger fix(values);  model(x_new);  // deterministic sites recomputed
class LatentConditionMessenger : public Messenger {
 public:
  /// `values` must outlive the messenger.
  explicit LatentConditionMessenger(const handlers::TensorMap& values) : Messenger("predictive"), values_(values) {}
  void process_message(Message& msg) override;
  /// The names of the sites this messenger fixed.
  const std::unordered_set<std::string>& fixed() const { return fixed_; }

 private:
  const handlers::TensorMap& values_;
  std::unordered_set<std::string> fixed_;
};

/// The non-template part of Predictive: choosing sites and stacking the draws.
class PredictiveBase {
 protected:
  PredictiveBase(int64_t num_samples, std::vector<std::string> return_sites, handlers::TensorMap posterior_samples);
  /// Latent values of sample `i` from the posterior samples.
  handlers::TensorMap posterior_sample(int64_t i) const;
  /// Latent values of a guide run (its latent sample sites).
  static handlers::TensorMap guide_sample(const Trace& guide_trace);
  /// Keeps the values of the returned sites of one model run (`fixed`: sites fixed by the
  /// posterior, left out by default).
  void collect(const Trace& model_trace, const std::unordered_set<std::string>& fixed);
  /// Stacks the collected draws into site -> [num_samples, ...] tensors.
  handlers::TensorMap stack();

  int64_t num_samples_;
  std::vector<std::string> return_sites_;
  handlers::TensorMap posterior_samples_;
  std::vector<std::pair<std::string, std::vector<at::Tensor>>> collected_;
};
}  // namespace detail

/// Posterior predictive samples (Pyro's Predictive): runs the model num_samples times with its
/// latent sites fixed to draws from a guide or to given posterior samples, and returns the values
/// of the chosen sites stacked along a new leading dim. Only latent sample sites are fixed:
/// deterministic sites are recomputed from the model's arguments even when the posterior samples
/// hold values for them, and observed sites keep the data the model is given (as NumPyro's
/// Predictive since #1772). By default it returns every sample site the posterior does not fix
/// (latent sites the model samples afresh, such as an observation site whose data is left
/// undefined, and deterministic sites). No gradients are recorded. Draws are sequential (Pyro's
/// parallel=False).
///
///   pplx::infer::Predictive predictive(model, guide, 100);
///   auto samples = predictive(x, torch::Tensor());   // samples["y"] has shape [100, N]
///   pplx::infer::Predictive from_mcmc(model, {{"w", w_samples}, {"b", b_samples}}, 0, {"y"});
template <class Model, class Guide = detail::NoGuide>
class Predictive : private detail::PredictiveBase {
 public:
  /// From a guide: each of the `num_samples` draws runs the guide once. `return_sites` empty: the
  /// default sites (see above). Throws pplx::ValueError for num_samples < 1.
  Predictive(Model model, Guide guide, int64_t num_samples, std::vector<std::string> return_sites = {})
      : PredictiveBase(num_samples, std::move(return_sites), {}), model_(std::move(model)), guide_(std::move(guide)) {}
  /// From posterior samples: site -> tensor whose leading dim indexes the samples. `num_samples`
  /// 0 takes it from the tensors; otherwise it must equal their leading dim (pplx::ValueError).
  Predictive(Model model, handlers::TensorMap posterior_samples, int64_t num_samples = 0,
             std::vector<std::string> return_sites = {})
      : PredictiveBase(num_samples, std::move(return_sites), std::move(posterior_samples)), model_(std::move(model)) {}

  /// Draws the samples; the arguments go to the guide and the model. Returns site -> stacked values.
  template <class... Args>
  handlers::TensorMap operator()(Args&&... args) {
    c10::NoGradGuard no_grad;
    collected_.clear();
    for (int64_t i = 0; i < num_samples_; ++i) {
      handlers::TensorMap fixed;
      if constexpr (std::is_same_v<Guide, detail::NoGuide>) {
        fixed = posterior_sample(i);
      } else {
        handlers::TraceMessenger guide_trace;
        guide_(args...);
        fixed = guide_sample(guide_trace.get_trace());
      }
      handlers::TraceMessenger model_trace;
      std::unordered_set<std::string> fixed_sites;
      {
        detail::LatentConditionMessenger condition(fixed);
        model_(args...);
        fixed_sites = condition.fixed();
      }
      collect(model_trace.get_trace(), fixed_sites);
    }
    return stack();
  }

 private:
  Model model_;
  Guide guide_;
};

template <class M, class G>
Predictive(M, G, int64_t) -> Predictive<M, G>;
template <class M, class G>
Predictive(M, G, int64_t, std::vector<std::string>) -> Predictive<M, G>;
template <class M>
Predictive(M, handlers::TensorMap) -> Predictive<M, detail::NoGuide>;
template <class M>
Predictive(M, handlers::TensorMap, int64_t) -> Predictive<M, detail::NoGuide>;
template <class M>
Predictive(M, handlers::TensorMap, int64_t, std::vector<std::string>) -> Predictive<M, detail::NoGuide>;

}  // namespace infer
}  // namespace pplx
