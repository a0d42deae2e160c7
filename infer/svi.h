// SPDX-License-Identifier: Apache-2.0
// SVI: stochastic variational inference, one optimizer step per call (pyro/infer/svi.py).
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/arg.h>

#include <pplx/distributions/deferred_validation.h>
#include <pplx/handlers/trace.h>
#include <pplx/infer/elbo.h>
#include <pplx/infer/non_finite.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/optim/pyro_optim.h>
#include <pplx/trace.h>

namespace pplx {
namespace infer {

/// Options of SVI.
struct SVIOptions {
  /// A step whose loss is NaN or infinite is skipped (no optimizer update, gradients zeroed, counted
  /// in num_skipped_steps()) instead of throwing NonFiniteLossError.
  TORCH_ARG(bool, skip_non_finite) = false;
};

namespace detail {

/// The non-template part of SVI: the optimizer, the captured parameters and the update.
class SVIBase {
 public:
  SVIBase(const SVIBase&) = delete;
  SVIBase& operator=(const SVIBase&) = delete;

  /// The optimizer (e.g. to attach a learning-rate scheduler or save its state).
  optim::PyroOptim& optimizer() { return *optim_; }
  /// The param sites seen by the last step (their unconstrained tensors are what was updated).
  const Trace& param_trace() const { return param_trace_; }
  /// Steps skipped because of a non-finite loss (with SVIOptions().skip_non_finite(true)).
  int64_t num_skipped_steps() const { return num_skipped_; }
  const SVIOptions& options() const { return options_; }

 protected:
  SVIBase(std::shared_ptr<optim::PyroOptim> optim, SVIOptions options);
  ~SVIBase() = default;

  /// Reads the loss with the step's validation verdicts (the one host read of a step), throws the
  /// first failed check's error or NonFiniteLossError (naming the site `elbo` finds, when not
  /// null), then update(). Returns the loss.
  double finish_step(const at::Tensor& loss, const ELBO* elbo, distributions::DeferredValidation& deferred);
  /// finish_step without the read: update(), and return the loss guarded by the verdicts (NaN
  /// when a check failed), detached.
  at::Tensor finish_step_async(const at::Tensor& loss, distributions::DeferredValidation& deferred);
  /// Throws pplx::ShapeError unless `loss` is a defined one-element tensor.
  static void check_scalar(const at::Tensor& loss);

  std::shared_ptr<optim::PyroOptim> optim_;
  SVIOptions options_;
  Trace param_trace_;  // the step's param-only trace, its storage reused across steps
  int64_t num_skipped_ = 0;

 private:
  /// Backpropagates `loss`, steps the optimizer over the parameters of param_trace_ and zeroes
  /// their gradients (pyro/infer/svi.py: optim(params); zero_grads(params)).
  void update(const at::Tensor& loss);
  void zero_grads();

  NamedTensors params_;  // named_params(param_trace_), reused across steps
};

// An optimizer given by value is owned; one given by lvalue is referenced (it must outlive the
// SVI, e.g. so that a scheduler can hold it too); a shared_ptr is shared.
template <class O>
std::shared_ptr<optim::PyroOptim> share_optim(std::shared_ptr<O> o) {
  return o;
}
template <class O, class = std::enable_if_t<std::is_base_of_v<optim::PyroOptim, std::decay_t<O>>>>
std::shared_ptr<optim::PyroOptim> share_optim(O&& o) {
  if constexpr (std::is_lvalue_reference_v<O>) {
    return std::shared_ptr<optim::PyroOptim>(std::shared_ptr<optim::PyroOptim>(), &o);  // non-owning
  } else {
    return std::make_shared<std::decay_t<O>>(std::move(o));
  }
}

}  // namespace detail

/// Stochastic variational inference (Pyro's SVI): each step() estimates the loss of `guide` as an
/// approximation of `model`'s posterior, backpropagates, and updates the parameters the model and
/// guide touched in that step (found with a param-only trace). `loss` is a TraceELBO, a
/// TraceMeanFieldELBO or any callable `(model, guide, args...) -> scalar tensor`. The arguments of
/// step() are passed to the model and guide (tensors, ints, options structs...).
///
/// A non-finite loss throws NonFiniteLossError naming the offending site (or, with
/// SVIOptions().skip_non_finite(true), skips the step). Not thread-safe; independent SVI objects in
/// different threads (each with its own ParamStoreScope and handlers::seed) do not interact.
///
///   pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(1e-2)),
///                        pplx::infer::TraceELBO());
///   for (int step = 0; step < 1000; ++step) double loss = svi.step(x, y);
template <class Model, class Guide, class Loss = TraceELBO>
class SVI : public detail::SVIBase {
 public:
  template <class Optim>
  SVI(Model model, Guide guide, Optim&& optim, Loss loss = Loss(), SVIOptions options = {})
      : SVIBase(detail::share_optim(std::forward<Optim>(optim)), options),
        model_(std::move(model)),
        guide_(std::move(guide)),
        loss_(std::move(loss)) {}

  /// One gradient step; returns the loss before the update. Reads one number back from the
  /// device: the loss, with the step's validation verdicts folded in (DeferredValidation).
  template <class... Args>
  double step(Args&&... args) {
    distributions::DeferredValidation deferred;
    at::Tensor loss = deferred.run([&] { return traced_loss(args...); });
    return finish_step(loss, elbo(), deferred);
  }

  /// One gradient step that reads nothing back, so that a GPU runs ahead of the host: returns the
  /// loss before the update as a detached 0-dim tensor on its device. Nothing is checked that
  /// needs a value: a failed validation check or a non-finite density shows as a NaN loss, and the
  /// update has then already been applied. Read the loss every N steps:
  ///
  ///   at::Tensor loss = svi.step_async(x, y);
  ///   if (step % 100 == 0 && !std::isfinite(loss.item<double>())) { /* stop, or rerun step() */ }
  template <class... Args>
  at::Tensor step_async(Args&&... args) {
    distributions::DeferredValidation deferred;
    at::Tensor loss = deferred.run([&] { return traced_loss(args...); });
    return finish_step_async(loss, deferred);
  }

  /// The loss at the current parameters, without gradients or updates.
  template <class... Args>
  double evaluate_loss(Args&&... args) {
    c10::NoGradGuard no_grad;
    distributions::DeferredValidation deferred;
    at::Tensor loss = deferred.run([&] { return compute_loss(args...); });
    check_scalar(loss);
    return deferred.read(loss);
  }

  Loss& loss() { return loss_; }
  Model& model() { return model_; }
  Guide& guide() { return guide_; }

 private:
  // The loss, with the params it touched recorded in param_trace_ (Pyro: `with
  // poutine.trace(param_only=True) as param_capture: loss = self.loss_and_grads(...)`).
  template <class... Args>
  at::Tensor traced_loss(Args&... args) {
    handlers::TraceMessenger capture(param_trace_, handlers::TraceOptions().param_only(true));
    return compute_loss(args...);
  }

  template <class... Args>
  at::Tensor compute_loss(Args&... args) {
    if constexpr (std::is_base_of_v<ELBO, Loss>) {
      return loss_.differentiable_loss(model_, guide_, args...);
    } else {
      static_assert(std::is_convertible_v<decltype(loss_(model_, guide_, args...)), at::Tensor>,
                    "SVI: a custom loss must be callable as loss(model, guide, args...) and return a tensor");
      return loss_(model_, guide_, args...);
    }
  }
  const ELBO* elbo() const {
    if constexpr (std::is_base_of_v<ELBO, Loss>) return &loss_;
    return nullptr;
  }

  Model model_;
  Guide guide_;
  Loss loss_;
};

template <class M, class G, class O>
SVI(M, G, O&&) -> SVI<M, G, TraceELBO>;
template <class M, class G, class O, class L>
SVI(M, G, O&&, L) -> SVI<M, G, L>;
template <class M, class G, class O, class L>
SVI(M, G, O&&, L, SVIOptions) -> SVI<M, G, L>;

}  // namespace infer
}  // namespace pplx
