// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/variationalize.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <variant>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <pplx/nn/conv.h>
#include <pplx/nn/kl.h>
#include <pplx/nn/linear.h>

namespace pplx {
namespace nn {
namespace {

// PyVarInf's prior_std: 1/sqrt(product of all dims but the first); 0.01 for a vector.
double pyvarinf_std(const at::Tensor& p) {
  if (p.dim() <= 1) return 1e-2;
  int64_t fan_in = 1;
  for (int64_t i = 1; i < p.dim(); ++i) fan_in *= p.size(i);
  return 1.0 / std::sqrt(static_cast<double>(fan_in));
}

double softplus_inverse(double s) { return s > 20 ? s : std::log(std::expm1(s)); }

template <size_t D, class ConvImpl, class BayesImpl>
std::shared_ptr<BayesImpl> bayesian_conv(const ConvImpl& conv, const Prior& prior) {
  const auto& o = conv.options;
  BayesianConvOptions<D> b(o.in_channels(), o.out_channels(), o.kernel_size());
  b.stride(o.stride()).dilation(o.dilation()).groups(o.groups()).bias(o.bias()).prior(prior);
  // Padding is only descriptive here: the original layer, with its padding mode, does the work.
  // padding is a c10::variant on LibTorch 1.x and a std::variant on 2.x: an unqualified get_if
  // finds the matching overload through argument-dependent lookup on both.
  using std::get_if;
  if (const auto* pad = get_if<torch::ExpandingArray<D>>(&o.padding())) b.padding(*pad);
  b.posterior_mu_init_std(0.0).posterior_rho_init_std(0.0);
  return std::make_shared<BayesImpl>(b);
}

}  // namespace

void VariationalBase::build(torch::nn::Module& copy, const Prior& prior, const VariationalizeOptions& options) {
  std::set<std::string> used = {"module"};
  auto consider = [&](const std::string& path, const std::shared_ptr<torch::nn::Module>& m) {
    std::shared_ptr<torch::nn::Module> bayes_module;
    BayesianLayer* layer = nullptr;
    at::Tensor weight, bias;
    std::function<void(const BayesianLayer::Weights&)> set;
    if (auto lin = std::dynamic_pointer_cast<torch::nn::LinearImpl>(m)) {
      auto b = std::make_shared<BayesianLinearImpl>(
          BayesianLinearOptions(lin->options.in_features(), lin->options.out_features())
              .bias(lin->options.bias())
              .prior(prior)
              .posterior_mu_init_std(0.0)
              .posterior_rho_init_std(0.0));
      bayes_module = b;
      layer = b.get();
      weight = lin->weight;
      bias = lin->bias;
      set = [lin](const BayesianLayer::Weights& w) {
        lin->weight = w.weight;
        if (w.bias.defined()) lin->bias = w.bias;
      };
    } else if (auto c1 = std::dynamic_pointer_cast<torch::nn::Conv1dImpl>(m)) {
      auto b = bayesian_conv<1, torch::nn::Conv1dImpl, BayesianConv1dImpl>(*c1, prior);
      bayes_module = b;
      layer = b.get();
      weight = c1->weight;
      bias = c1->bias;
      set = [c1](const BayesianLayer::Weights& w) {
        c1->weight = w.weight;
        if (w.bias.defined()) c1->bias = w.bias;
      };
    } else if (auto c2 = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(m)) {
      auto b = bayesian_conv<2, torch::nn::Conv2dImpl, BayesianConv2dImpl>(*c2, prior);
      bayes_module = b;
      layer = b.get();
      weight = c2->weight;
      bias = c2->bias;
      set = [c2](const BayesianLayer::Weights& w) {
        c2->weight = w.weight;
        if (w.bias.defined()) c2->bias = w.bias;
      };
    } else if (auto c3 = std::dynamic_pointer_cast<torch::nn::Conv3dImpl>(m)) {
      auto b = bayesian_conv<3, torch::nn::Conv3dImpl, BayesianConv3dImpl>(*c3, prior);
      bayes_module = b;
      layer = b.get();
      weight = c3->weight;
      bias = c3->bias;
      set = [c3](const BayesianLayer::Weights& w) {
        c3->weight = w.weight;
        if (w.bias.defined()) c3->bias = w.bias;
      };
    } else {
      return;
    }
    {
      c10::NoGradGuard no_grad;
      auto init = [&](at::Tensor& mu, at::Tensor& rho, const at::Tensor& original) {
        if (options.zero_mean()) {
          mu.zero_();
        } else {
          mu.copy_(original);
        }
        rho.fill_(options.posterior_rho_init() ? *options.posterior_rho_init()
                                               : softplus_inverse(pyvarinf_std(original)));
      };
      init(layer->weight_mu, layer->weight_rho, weight);
      if (bias.defined() && layer->bias_mu.defined()) init(layer->bias_mu, layer->bias_rho, bias);
    }
    // The copy's own weight and bias no longer learn: the Bayesian layer supplies them.
    weight.set_requires_grad(false);
    if (bias.defined()) bias.set_requires_grad(false);
    // Module names cannot contain dots; "features.0" becomes "features_0" (made unique if needed).
    std::string base = path.empty() ? "layer" : path;
    std::replace(base.begin(), base.end(), '.', '_');
    std::string name = base;
    for (int i = 1; used.count(name); ++i) name = base + "_" + std::to_string(i);
    used.insert(name);
    register_module(name, bayes_module);
    slots_.push_back({std::shared_ptr<BayesianLayer>(bayes_module, layer), m, std::move(set)});
  };
  consider("", copy.shared_from_this());
  for (const auto& item : copy.named_modules("", /*include_self=*/false)) consider(item.key(), item.value());
}

void VariationalBase::draw() {
  for (auto& slot : slots_) slot.set(slot.layer->draw_weights());
}

at::Tensor VariationalBase::prior_loss() { return kl_divergence(*this); }

}  // namespace nn
}  // namespace pplx
