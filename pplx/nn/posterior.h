// SPDX-License-Identifier: Apache-2.0
// A Bayesian network's variational posterior: naming its sites, the guide, weight modes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include <pplx/nn/bayesian_layer.h>

namespace pplx {
namespace nn {

/// Every Bayesian layer in `module` (the module itself included) with its path in the module tree
/// ("" for `module` itself, "fc1", "features.0"), in registration order.
std::vector<std::pair<std::string, BayesianLayer*>> bayesian_layers(torch::nn::Module& module);

/// Names the sites of every Bayesian layer in `module` after its path: the layer at path "fc1"
/// gets sites "<prefix>.fc1.weight" and "<prefix>.fc1.bias" (a layer that is `module` itself:
/// "<prefix>.weight"). Call once after building a network that is used in a model; names already
/// set are overwritten. Throws pplx::ValueError when `prefix` and a path are both empty.
///
///   pplx::nn::set_site_names("net", *net);
void set_site_names(const std::string& prefix, torch::nn::Module& module);

/// The guide of a Bayesian network: names the sites as set_site_names(prefix, module) does,
/// registers every trainable parameter of `module` as a pplx::param named "<prefix>$$$<path>"
/// (pplx::module's naming: the posteriors' mu and rho, and ordinary parameters such as a batch
/// norm's), then samples each Bayesian layer's weight and bias sites from its posterior
/// N(mu, softplus(rho)). Call it inside a guide; the model calls the network's forward().
///
///   auto guide = [&](const torch::Tensor& x, const torch::Tensor& y) { pplx::nn::sample_posterior("net", *net); };
void sample_posterior(const std::string& prefix, torch::nn::Module& module);

/// Sets the WeightMode of every Bayesian layer in `module`.
///
///   pplx::nn::set_weight_mode(*net, pplx::nn::WeightMode::posterior);   // one sampled network per call
void set_weight_mode(torch::nn::Module& module, WeightMode mode);

/// RAII: sets a WeightMode on every Bayesian layer of a module and restores each layer's previous
/// mode when the scope ends.
///
///   { pplx::nn::WeightModeScope mean(*net, pplx::nn::WeightMode::mean);  auto y = net->forward(x); }
class WeightModeScope {
 public:
  WeightModeScope(torch::nn::Module& module, WeightMode mode);
  ~WeightModeScope();
  WeightModeScope(const WeightModeScope&) = delete;
  WeightModeScope& operator=(const WeightModeScope&) = delete;

 private:
  std::vector<std::pair<BayesianLayer*, WeightMode>> previous_;
};

}  // namespace nn
}  // namespace pplx
