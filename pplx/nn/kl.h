// SPDX-License-Identifier: Apache-2.0
// KL divergence of a Bayesian network's posterior from its prior (the ELBO's complexity term).
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace pplx {
namespace nn {

/// The sum of BayesianLayer::kl_divergence() over every Bayesian layer in `module` (0 when there
/// is none). Its expectation is what TraceELBO gets from the layers' sites, E_q[log q(W) - log p(W)].
/// BLiTZ's kl_divergence and PyVarInf's prior_loss.
///
///   auto loss = nll + pplx::nn::kl_divergence(*net) / n_train;
at::Tensor kl_divergence(torch::nn::Module& module);

}  // namespace nn
}  // namespace pplx
