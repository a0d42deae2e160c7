// SPDX-License-Identifier: Apache-2.0
// The updates of Adam, AdamW, SGD and ClippedAdam in tensor operations only, for
// PyroOptim::graph_safe_step: the step count and learning rate are read from DeviceCounters, so
// that a CUDA graph can replay them. Each equals its host update up to float rounding.
#pragma once

#include <ATen/ATen.h>

#include <pplx/optim/pyro_optim.h>

namespace pplx {
namespace optim {
namespace detail {

/// The moment estimates of an Adam-type update (max_exp_avg_sq: undefined without amsgrad).
struct AdamMoments {
  at::Tensor exp_avg;
  at::Tensor exp_avg_sq;
  at::Tensor max_exp_avg_sq;
};

/// torch::optim::Adam's update of one parameter (LibTorch 1.13 and 2.x, optim/adam.cpp), or
/// AdamW's with `decoupled_weight_decay` (optim/adamw.cpp): the step count advances in
/// `counters.step` and the bias corrections are computed from it on the device. Updates `param`,
/// the moments and `counters.step` in place where the 0-dim bool `apply` holds. `grad` defined.
///
///   adam_update(p, p.grad(), {m, v, {}}, 0.9, 0.999, 1e-8, 0.0, false, false, counters, ok);
void adam_update(const at::Tensor& param, const at::Tensor& grad, const AdamMoments& moments, double beta1,
                 double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled_weight_decay,
                 DeviceCounters& counters, const at::Tensor& apply);

/// torch::optim::SGD's update of one parameter (momentum, dampening, Nesterov, L2 weight decay;
/// LibTorch's optim/sgd.cpp), with the learning rate read from `counters.lr`. `momentum_buffer`
/// is defined when momentum != 0 (LibTorch creates it at the first step). Updates in place where
/// `apply` holds.
///
///   sgd_update(p, p.grad(), buf, 0.9, 0.0, 0.0, false, counters, ok);
void sgd_update(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& momentum_buffer, double momentum,
                double dampening, double weight_decay, bool nesterov, DeviceCounters& counters,
                const at::Tensor& apply);

/// Pyro's ClippedAdam update of one parameter (pyro/optim/clipped_adam.py, as TorchClippedAdam):
/// the learning rate decays by `lrd` in `counters.lr` at every step, also without a gradient;
/// with one, the gradient is clamped in place and the moments, parameter and `counters.step`
/// advance. Updates in place where `apply` holds.
///
///   clipped_adam_update(p, p.grad(), m, v, 0.9, 0.999, 1e-8, 0.0, 10.0, 0.999, counters, ok);
void clipped_adam_update(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
                         const at::Tensor& exp_avg_sq, double beta1, double beta2, double eps, double weight_decay,
                         double clip_norm, double lrd, DeviceCounters& counters, const at::Tensor& apply);

}  // namespace detail
}  // namespace optim
}  // namespace pplx
