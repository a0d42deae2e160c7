// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/posterior.h>

#include <pplx/error.h>
#include <pplx/module.h>

namespace pplx {
namespace nn {

std::vector<std::pair<std::string, BayesianLayer*>> bayesian_layers(torch::nn::Module& module) {
  std::vector<std::pair<std::string, BayesianLayer*>> out;
  if (auto* self = dynamic_cast<BayesianLayer*>(&module)) out.emplace_back("", self);
  // include_self = false: the module need not be owned by a shared_ptr.
  for (const auto& item : module.named_modules("", /*include_self=*/false)) {
    if (auto* layer = dynamic_cast<BayesianLayer*>(item.value().get())) out.emplace_back(item.key(), layer);
  }
  return out;
}

void set_site_names(const std::string& prefix, torch::nn::Module& module) {
  for (auto& [path, layer] : bayesian_layers(module)) {
    PPLX_CHECK_AS(ValueError, !(prefix.empty() && path.empty()), "set_site_names: ", layer->describe(),
                  " is the module itself, so it needs a non-empty prefix to name its sites");
    layer->set_site_name(prefix.empty() ? path : path.empty() ? prefix : prefix + "." + path);
  }
}

void sample_posterior(const std::string& prefix, torch::nn::Module& module) {
  PPLX_CHECK_AS(ValueError, !prefix.empty(), "sample_posterior: the prefix (the network's name) must not be empty");
  set_site_names(prefix, module);
  // Makes mu, rho and every other trainable tensor of the network a param the optimizer sees; the
  // store adopts the module's own tensors, so training updates the module in place.
  pplx::detail::register_module(prefix, module);
  for (auto& item : bayesian_layers(module)) item.second->sample_posterior_sites();
}

void set_weight_mode(torch::nn::Module& module, WeightMode mode) {
  for (auto& item : bayesian_layers(module)) item.second->set_weight_mode(mode);
}

WeightModeScope::WeightModeScope(torch::nn::Module& module, WeightMode mode) {
  for (auto& item : bayesian_layers(module)) {
    previous_.emplace_back(item.second, item.second->weight_mode());
    item.second->set_weight_mode(mode);
  }
}

WeightModeScope::~WeightModeScope() {
  for (auto& [layer, mode] : previous_) layer->set_weight_mode(mode);
}

}  // namespace nn
}  // namespace pplx
