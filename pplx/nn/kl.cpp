// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/kl.h>

#include <ATen/ATen.h>

#include <pplx/nn/posterior.h>

namespace pplx {
namespace nn {

at::Tensor kl_divergence(torch::nn::Module& module) {
  at::Tensor total;
  for (auto& item : bayesian_layers(module)) {
    auto kl = item.second->kl_divergence();
    total = total.defined() ? total + kl : kl;
  }
  return total.defined() ? total : at::zeros({});
}

}  // namespace nn
}  // namespace pplx
