// SPDX-License-Identifier: Apache-2.0
#include <pplx/optim/graph_safe_update.h>

namespace pplx {
namespace optim {
namespace detail {
namespace {

// dst := apply ? value : dst, in place. A where(), not a blend: a NaN in `value` (the gradient of
// a non-finite loss) must not leak into a step that is skipped.
void assign_where(const at::Tensor& dst, const at::Tensor& apply, const at::Tensor& value) {
  dst.copy_(at::where(apply, value, dst));
}

// 1 - beta^step on the device, in float64 like LibTorch's host computation.
at::Tensor bias_correction(double beta, const at::Tensor& step) { return 1 - at::pow(beta, step); }

}  // namespace

void adam_update(const at::Tensor& param, const at::Tensor& grad, const AdamMoments& moments, double beta1,
                 double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled_weight_decay,
                 DeviceCounters& counters, const at::Tensor& apply) {
  const at::Tensor step = counters.step + 1;
  const at::Tensor bias_correction1 = bias_correction(beta1, step);
  const at::Tensor bias_correction2 = bias_correction(beta2, step);
  at::Tensor p = param;
  at::Tensor g = grad;
  if (weight_decay != 0) {
    if (decoupled_weight_decay) p = param * (1 - counters.lr * weight_decay);  // AdamW: p.mul_(1 - lr * weight_decay)
    else g = grad.add(param, weight_decay);
  }
  // The same operations as LibTorch's in-place ones, on copies, so that rounding matches.
  const at::Tensor exp_avg = moments.exp_avg.mul(beta1).add_(g, 1 - beta1);
  const at::Tensor exp_avg_sq = moments.exp_avg_sq.mul(beta2).addcmul_(g, g, 1 - beta2);
  at::Tensor second = exp_avg_sq;
  if (amsgrad) {
    second = at::maximum(moments.max_exp_avg_sq, exp_avg_sq);
    assign_where(moments.max_exp_avg_sq, apply, second);
  }
  const at::Tensor denom = (second.sqrt() / bias_correction2.sqrt()).add_(eps);
  const at::Tensor step_size = counters.lr / bias_correction1;
  // p.addcdiv_(exp_avg, denom, -step_size) computes p + (-step_size * exp_avg) / denom.
  assign_where(param, apply, at::addcdiv(p, exp_avg * -step_size, denom));
  assign_where(moments.exp_avg, apply, exp_avg);
  assign_where(moments.exp_avg_sq, apply, exp_avg_sq);
  assign_where(counters.step, apply, step);
}

void sgd_update(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& momentum_buffer, double momentum,
                double dampening, double weight_decay, bool nesterov, DeviceCounters& counters,
                const at::Tensor& apply) {
  at::Tensor d_p = weight_decay != 0 ? grad.add(param, weight_decay) : grad;
  if (momentum != 0) {
    const at::Tensor buf = momentum_buffer.mul(momentum).add_(d_p, 1 - dampening);
    assign_where(momentum_buffer, apply, buf);
    d_p = nesterov ? d_p.add(buf, momentum) : buf;
  }
  assign_where(param, apply, param - d_p * counters.lr);
}

void clipped_adam_update(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
                         const at::Tensor& exp_avg_sq, double beta1, double beta2, double eps, double weight_decay,
                         double clip_norm, double lrd, DeviceCounters& counters, const at::Tensor& apply) {
  // The learning rate decays at every step, with or without a gradient (TorchClippedAdam::step).
  const at::Tensor lr = counters.lr * lrd;
  assign_where(counters.lr, apply, lr);
  if (!grad.defined()) return;
  grad.clamp_(-clip_norm, clip_norm);
  const at::Tensor step = counters.step + 1;
  const at::Tensor g = weight_decay != 0 ? grad.add(param, weight_decay) : grad;
  const at::Tensor m = exp_avg.mul(beta1).add_(g, 1 - beta1);
  const at::Tensor v = exp_avg_sq.mul(beta2).addcmul_(g, g, 1 - beta2);
  const at::Tensor denom = v.sqrt().add_(eps);
  const at::Tensor step_size = lr * bias_correction(beta2, step).sqrt() / bias_correction(beta1, step);
  assign_where(param, apply, at::addcdiv(param, m * -step_size, denom));
  assign_where(exp_avg, apply, m);
  assign_where(exp_avg_sq, apply, v);
  assign_where(counters.step, apply, step);
}

}  // namespace detail
}  // namespace optim
}  // namespace pplx
