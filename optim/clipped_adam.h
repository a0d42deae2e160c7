// SPDX-License-Identifier: Apache-2.0
// Pyro's ClippedAdam (pyro/optim/clipped_adam.py): Adam with elementwise gradient clipping and lr decay.
#pragma once

#include <tuple>

#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <pplx/optim/pytorch_optimizers.h>

namespace pplx {
namespace optim {

/// Options of ClippedAdam. Defaults are Pyro's.
struct ClippedAdamOptions : public torch::optim::OptimizerCloneableOptions<ClippedAdamOptions> {
  ClippedAdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit, like torch::optim::AdamOptions
  TORCH_ARG(double, lr) = 1e-3;
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  /// Each gradient element is clamped to [-clip_norm, clip_norm] (value clipping, despite the name).
  TORCH_ARG(double, clip_norm) = 10.0;
  /// Learning-rate decay: lr is multiplied by lrd at the start of every step.
  TORCH_ARG(double, lrd) = 1.0;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

/// Per-parameter state of ClippedAdam.
struct ClippedAdamParamState : public torch::optim::OptimizerCloneableParamState<ClippedAdamParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(at::Tensor, exp_avg);
  TORCH_ARG(at::Tensor, exp_avg_sq);
};

/// The LibTorch optimizer behind pplx::optim::ClippedAdam; usable on its own like torch::optim::Adam.
/// Per step: lr *= lrd; g = clamp(g, -clip_norm, clip_norm) (in place, so p.grad shows it);
/// m, v as in Adam; p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps). Note eps is added
/// before the bias correction, unlike torch's Adam.
///
///   pplx::optim::TorchClippedAdam opt(net->parameters(), pplx::optim::ClippedAdamOptions(1e-3).lrd(0.999));
class TorchClippedAdam : public torch::optim::Optimizer {
 public:
  /// Throws pplx::ValueError for lr < 0, eps < 0, betas outside [0, 1), weight_decay < 0,
  /// clip_norm < 0 or lrd <= 0.
  explicit TorchClippedAdam(std::vector<at::Tensor> params, ClippedAdamOptions defaults = {});
  at::Tensor step(LossClosure closure = nullptr) override;
};

template <>
struct OptimizerTraits<TorchClippedAdam> {
  using Options = ClippedAdamOptions;
  using State = ClippedAdamParamState;
  static const char* name() { return "ClippedAdam"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("step", s.step());
    f("exp_avg", s.exp_avg());
    f("exp_avg_sq", s.exp_avg_sq());
  }
  static bool graph_safe_ready(const State* s, const Options&, const at::Tensor& p) {
    return !p.grad().defined() || (s && s->exp_avg().defined());
  }
  // Also without a gradient: the learning rate decays at every step.
  static void graph_safe_update(const at::Tensor& p, State* s, const Options& o, DeviceCounters& c,
                                const at::Tensor& apply) {
    detail::clipped_adam_update(p, p.grad(), s ? s->exp_avg() : at::Tensor(), s ? s->exp_avg_sq() : at::Tensor(),
                                std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(),
                                o.clip_norm(), o.lrd(), c, apply);
  }
};

/// Pyro's ClippedAdam with Pyro's semantics (one optimizer per parameter, so the lr decays once per
/// step in which the parameter takes part).
///
///   pplx::optim::ClippedAdam opt(pplx::optim::ClippedAdamOptions(0.01).clip_norm(5.0).lrd(0.999));
using ClippedAdam = WrappedOptimizer<TorchClippedAdam>;

}  // namespace optim
}  // namespace pplx
