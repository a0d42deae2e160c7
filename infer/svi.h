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
#include <pplx/infer/cuda_graph.h>
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
  /// Captures one whole step (guide, model, ELBO, backward, optimizer update) as a CUDA graph
  /// after a few eager steps and replays it from then on, one graph per signature of the step's
  /// arguments (tensors: shape, dtype, device; numbers: value). Same numbers as eager steps up to
  /// float rounding; the model's host code does not run on a replay, so its sites must depend only
  /// on the arguments (see pplx/infer/cuda_graph.h). Arguments other than tensors and numbers throw
  /// pplx::ValueError. Without CUDA (build or tensors), or with an optimizer other than Adam,
  /// AdamW, SGD and ClippedAdam, steps run eagerly after a one-time warning.
  TORCH_ARG(bool, cuda_graph) = false;
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
  /// What SVIOptions().cuda_graph(true) has done so far: steps run eagerly, graphs captured,
  /// steps replayed, and the last reason for running eagerly. All zero without the option.
  CudaGraphStats cuda_graph_stats() const;

 protected:
  SVIBase(std::shared_ptr<optim::PyroOptim> optim, SVIOptions options);
  ~SVIBase();

  /// Reads the loss with the step's validation verdicts (the one host read of a step), throws the
  /// first failed check's error or NonFiniteLossError (naming the site `elbo` finds, when not
  /// null), then update(). Returns the loss.
  double finish_step(const at::Tensor& loss, const ELBO* elbo, distributions::DeferredValidation& deferred);
  /// finish_step without the read: update(), and return the loss guarded by the verdicts (NaN
  /// when a check failed), detached.
  at::Tensor finish_step_async(const at::Tensor& loss, distributions::DeferredValidation& deferred);
  /// Throws pplx::ShapeError unless `loss` is a defined one-element tensor.
  static void check_scalar(const at::Tensor& loss);

  /// The end of a step as a CUDA graph captures it: no host read, and the update masked on the
  /// device by the loss being finite (PyroOptim::graph_safe_step). Returns the loss guarded by the
  /// validation verdicts, detached, 0-dim.
  at::Tensor finish_step_graph_safe(const at::Tensor& loss, distributions::DeferredValidation& deferred);
  /// step()'s read of a graph-safe step's loss: returns it when finite. Otherwise the update was
  /// skipped on the device, and the cause is found as step() finds it, by rerunning the loss
  /// eagerly at the same parameters (`reevaluate`: throws a failed validation check's error,
  /// returns the loss); then the step counts as skipped (skip_non_finite) or throws
  /// NonFiniteLossError.
  double read_graph_safe_loss(const at::Tensor& loss, const ELBO* elbo, c10::function_ref<double()> reevaluate);
  /// The CUDA graphs of this SVI (SVIOptions().cuda_graph(true)), created on first use.
  detail::CudaGraphSteps& graphs();

  std::shared_ptr<optim::PyroOptim> optim_;
  SVIOptions options_;
  Trace param_trace_;  // the step's param-only trace, its storage reused across steps
  int64_t num_skipped_ = 0;

 private:
  /// Backpropagates `loss`, steps the optimizer over the parameters of param_trace_ and zeroes
  /// their gradients (pyro/infer/svi.py: optim(params); zero_grads(params)).
  void update(const at::Tensor& loss);
  /// Finds the step's parameters (named_params of param_trace_), checks there are some and that
  /// `loss` depends on them, and backpropagates.
  void backward(const at::Tensor& loss);
  void zero_grads();
  /// Throws NonFiniteLossError for a loss `value`, naming the first non-finite site `elbo` finds.
  [[noreturn]] void throw_non_finite(double value, const ELBO* elbo) const;

  NamedTensors params_;  // named_params(param_trace_), reused across steps
  std::unique_ptr<detail::CudaGraphSteps> graphs_;
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
    if (options_.cuda_graph()) {
      double eager = 0;
      at::Tensor loss = graphed([&] { eager = eager_step(args...); }, args...);
      if (!loss.defined()) return eager;
      return read_graph_safe_loss(loss, elbo(), [&] { return evaluate_loss(args...); });
    }
    return eager_step(args...);
  }

  /// One gradient step that reads nothing back, so that a GPU runs ahead of the host: returns the
  /// loss before the update as a detached 0-dim tensor on its device. Nothing is checked that
  /// needs a value: a failed validation check or a non-finite density shows as a NaN loss, and the
  /// update has then already been applied. Read the loss every N steps:
  ///
  ///   at::Tensor loss = svi.step_async(x, y);
  ///   if (step % 100 == 0 && !std::isfinite(loss.item<double>())) { /* stop, or rerun step() */ }
  ///
  /// With SVIOptions().cuda_graph(true), a step whose loss is not finite leaves the parameters as
  /// they were (the update is masked on the device), and the loss is a copy of the graph's output.
  template <class... Args>
  at::Tensor step_async(Args&&... args) {
    if (options_.cuda_graph()) {
      at::Tensor eager;
      at::Tensor loss = graphed([&] { eager = eager_step_async(args...); }, args...);
      return loss.defined() ? loss.clone() : eager;  // the next replay overwrites the graph's output
    }
    return eager_step_async(args...);
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
  template <class... Args>
  double eager_step(Args&... args) {
    distributions::DeferredValidation deferred;
    at::Tensor loss = deferred.run([&] { return traced_loss(args...); });
    return finish_step(loss, elbo(), deferred);
  }
  template <class... Args>
  at::Tensor eager_step_async(Args&... args) {
    distributions::DeferredValidation deferred;
    at::Tensor loss = deferred.run([&] { return traced_loss(args...); });
    return finish_step_async(loss, deferred);
  }
  // SVIOptions().cuda_graph(true): runs `eager` or the step in graph-safe form (infer/cuda_graph.h).
  template <class Eager, class... Args>
  at::Tensor graphed(Eager&& eager, Args&... args) {
    auto body = [this](auto&... a) {
      // No DeferredValidation::run: rerunning checks on the host cannot happen inside a capture.
      distributions::DeferredValidation deferred;
      at::Tensor loss = traced_loss(a...);
      return finish_step_graph_safe(loss, deferred);
    };
    return detail::graphed_step(graphs(), eager, body, args...);
  }

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
