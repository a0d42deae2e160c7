// SPDX-License-Identifier: Apache-2.0
#include <pplx/optim/clipped_adam.h>

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/error.h>

namespace pplx {
namespace optim {

TorchClippedAdam::TorchClippedAdam(std::vector<at::Tensor> params, ClippedAdamOptions d)
    : torch::optim::Optimizer({torch::optim::OptimizerParamGroup(std::move(params))},
                              std::make_unique<ClippedAdamOptions>(d)) {
  const double b1 = std::get<0>(d.betas()), b2 = std::get<1>(d.betas());
  PPLX_CHECK_AS(ValueError, d.lr() >= 0, "ClippedAdam: invalid learning rate ", d.lr());
  PPLX_CHECK_AS(ValueError, d.eps() >= 0, "ClippedAdam: invalid eps ", d.eps());
  PPLX_CHECK_AS(ValueError, b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1, "ClippedAdam: betas must lie in [0, 1), got (", b1,
                ", ", b2, ")");
  PPLX_CHECK_AS(ValueError, d.weight_decay() >= 0, "ClippedAdam: invalid weight_decay ", d.weight_decay());
  PPLX_CHECK_AS(ValueError, d.clip_norm() >= 0, "ClippedAdam: clip_norm must be >= 0, got ", d.clip_norm());
  PPLX_CHECK_AS(ValueError, d.lrd() > 0, "ClippedAdam: lrd must be > 0, got ", d.lrd());
}

// A line-by-line port of pyro/optim/clipped_adam.py's step.
at::Tensor TorchClippedAdam::step(LossClosure closure) {
  c10::NoGradGuard no_grad;
  at::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& o = static_cast<ClippedAdamOptions&>(group.options());
    o.lr(o.lr() * o.lrd());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      at::Tensor grad = p.grad();
      grad.clamp_(-o.clip_norm(), o.clip_norm());
      auto key = detail::state_key<decltype(state_)>(p);
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto s = std::make_unique<ClippedAdamParamState>();
        s->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        s->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(s)).first;
      }
      auto& s = static_cast<ClippedAdamParamState&>(*it->second);
      const double b1 = std::get<0>(o.betas()), b2 = std::get<1>(o.betas());
      s.step(s.step() + 1);
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      s.exp_avg().mul_(b1).add_(grad, 1 - b1);
      s.exp_avg_sq().mul_(b2).addcmul_(grad, grad, 1 - b2);
      at::Tensor denom = s.exp_avg_sq().sqrt().add_(o.eps());
      const double bias_correction1 = 1 - std::pow(b1, static_cast<double>(s.step()));
      const double bias_correction2 = 1 - std::pow(b2, static_cast<double>(s.step()));
      const double step_size = o.lr() * std::sqrt(bias_correction2) / bias_correction1;
      p.addcdiv_(s.exp_avg(), denom, -step_size);
    }
  }
  return loss;
}

}  // namespace optim
}  // namespace pplx
