// SPDX-License-Identifier: Apache-2.0
// BLiTZ's sample_elbo: a data loss plus the weights' complexity cost, averaged over sampled networks.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <pplx/module.h>

namespace pplx {
namespace nn {
namespace detail {
/// One sampled network: runs the posterior as a guide, replays `forward` (the model side) against
/// it and returns {outputs, log q(W) - log p(W)} for the weights drawn.
std::pair<at::Tensor, at::Tensor> sample_network(torch::nn::Module& module, const std::function<at::Tensor()>& forward);
}  // namespace detail

/// BLiTZ's variational_estimator.sample_elbo: for each of `sample_nbr` networks drawn from the
/// posterior, criterion(outputs, labels) + complexity_cost_weight * (log q(W) - log p(W)), averaged.
/// With a mean-reduced criterion over a minibatch, complexity_cost_weight = 1 / N_train makes it
/// the negative ELBO per data point (BLiTZ's examples use 1 / N_train too). The weights' log-densities
/// are those of the layers' sites, replayed exactly as TraceELBO does; layers must be in
/// WeightMode::model (the default). Unnamed layers get sites "net.<path>.weight".
///
///   auto mse = [](const torch::Tensor& out, const torch::Tensor& y) { return torch::mse_loss(out, y); };
///   auto loss = pplx::nn::sample_elbo(net, x, y, mse, /*sample_nbr=*/3, 1.0 / n_train);
///   loss.backward();  optimizer.step();
template <class M, class Criterion>
at::Tensor sample_elbo(M& module, const at::Tensor& inputs, const at::Tensor& labels, Criterion&& criterion,
                       int64_t sample_nbr, double complexity_cost_weight) {
  auto& m = pplx::detail::deref(module);
  at::Tensor loss;
  for (int64_t s = 0; s < std::max<int64_t>(sample_nbr, 1); ++s) {
    auto [outputs, kl] = detail::sample_network(m, [&] { return at::Tensor(m.forward(inputs)); });
    at::Tensor term = criterion(outputs, labels) + complexity_cost_weight * kl;
    loss = loss.defined() ? loss + term : term;
  }
  return loss / static_cast<double>(std::max<int64_t>(sample_nbr, 1));
}

}  // namespace nn
}  // namespace pplx
