// SPDX-License-Identifier: Apache-2.0
// The hand-written LibTorch side of the benchmark: the log-densities, written out with exactly the
// formulas (and constants) of pplx's Normal and LogNormal, so the two sides do the same arithmetic.
#pragma once

#include <cmath>
#include <vector>

#include <ATen/ATen.h>

namespace pplx_bench {
namespace raw {

inline double half_log_2pi() { return 0.5 * std::log(2 * M_PI); }

/// Elementwise log N(value | loc, scale), as distributions/normal.cpp computes it.
inline at::Tensor normal_log_prob(const at::Tensor& value, const at::Tensor& loc, const at::Tensor& scale) {
  return -(value - loc).pow(2) / (2 * scale.pow(2)) - scale.log() - half_log_2pi();
}

/// Elementwise log LogNormal(value | loc, scale), as distributions/log_normal.cpp computes it.
inline at::Tensor log_normal_log_prob(const at::Tensor& value, const at::Tensor& loc, const at::Tensor& scale) {
  auto x = value.log();
  return -(x - loc).pow(2) / (2 * scale.pow(2)) - scale.log() - half_log_2pi() - x;
}

/// A leaf tensor the optimizer updates.
inline at::Tensor leaf(const at::Tensor& init) { return init.detach().clone().requires_grad_(true); }

/// What pplx::infer::SVI does after computing the loss: backward, one Adam step, gradients dropped
/// (undefined, as SVI leaves them). Returns the loss value.
template <class Optimizer>
double finish_step(const at::Tensor& loss, Optimizer& opt, const std::vector<at::Tensor>& params) {
  const double value = loss.item<double>();
  loss.backward();
  opt.step();
  for (const auto& p : params) p.mutable_grad() = at::Tensor();
  return value;
}

}  // namespace raw
}  // namespace pplx_bench
