// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/sample_elbo.h>

#include <ATen/ATen.h>

#include <pplx/error.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/nn/posterior.h>

namespace pplx {
namespace nn {
namespace detail {

std::pair<at::Tensor, at::Tensor> sample_network(torch::nn::Module& module,
                                                 const std::function<at::Tensor()>& forward) {
  auto layers = bayesian_layers(module);
  bool unnamed = false;
  for (auto& [path, layer] : layers) {
    PPLX_CHECK_AS(ValueError, layer->weight_mode() == WeightMode::model, "sample_elbo: ", layer->describe(),
                  " is in WeightMode::", to_string(layer->weight_mode()),
                  "; its weights must be sample sites (WeightMode::model) for the complexity cost");
    unnamed = unnamed || layer->site_name().empty();
  }
  if (unnamed) set_site_names("net", module);
  Trace guide_tr;
  {
    handlers::TraceMessenger tr;
    for (auto& item : layers) item.second->sample_posterior_sites();
    guide_tr = tr.take_trace();
  }
  Trace model_tr;
  at::Tensor outputs;
  {
    handlers::ReplayMessenger replay(guide_tr);
    handlers::TraceMessenger tr;
    outputs = forward();
    model_tr = tr.take_trace();
  }
  auto is_weight = [&](const Site& s) { return guide_tr.contains(s.name); };
  for (const auto& site : guide_tr)
    PPLX_CHECK_AS(SiteError, model_tr.contains(site.name), "sample_elbo: the forward pass did not use weight site '",
                  site.name, "'; every Bayesian layer of the module must run in its forward()");
  at::Tensor kl = guide_tr.log_prob_sum() - model_tr.log_prob_sum(is_weight);
  return {outputs, kl};
}

}  // namespace detail
}  // namespace nn
}  // namespace pplx
