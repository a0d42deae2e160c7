// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/bayesian_layer.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/kl.h>
#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/messenger.h>
#include <pplx/primitives.h>

namespace pplx {
namespace nn {

const char* to_string(WeightMode mode) {
  switch (mode) {
    case WeightMode::model: return "model";
    case WeightMode::posterior: return "posterior";
    case WeightMode::mean: return "mean";
  }
  return "?";
}

const char* to_string(Estimator estimator) {
  switch (estimator) {
    case Estimator::reparameterization: return "reparameterization";
    case Estimator::flipout: return "flipout";
    case Estimator::local_reparameterization: return "local_reparameterization";
  }
  return "?";
}

std::string BayesianLayer::site(const std::string& param) const { return site_name_ + "." + param; }

std::vector<std::string> BayesianLayer::random_parameters() const {
  if (bias_mu.defined()) return {"weight", "bias"};
  return {"weight"};
}

at::Tensor BayesianLayer::sigma(const at::Tensor& rho) const { return at::softplus(rho); }

distributions::DistPtr BayesianLayer::posterior(const std::string& param) const {
  PPLX_CHECK_AS(ValueError, param == "weight" || (param == "bias" && bias_mu.defined()), describe(),
                ": no random parameter '", param,
                "' (it has: ", random_parameters().size() == 2 ? "weight, bias" : "weight", ")");
  const at::Tensor& mu = param == "weight" ? weight_mu : bias_mu;
  const at::Tensor& rho = param == "weight" ? weight_rho : bias_rho;
  try {
    return distributions::Normal(mu, sigma(rho)).to_event(mu.dim());
  } catch (const Error& e) {
    // Typically rho so negative that softplus(rho) underflows to zero, or a NaN after a bad step.
    throw ValueError(describe(), ": invalid posterior for '", param, "' (", e.what(), ")");
  }
}

distributions::DistPtr BayesianLayer::prior(const std::string& param) const {
  PPLX_CHECK_AS(ValueError, param == "weight" || (param == "bias" && bias_mu.defined()), describe(),
                ": no random parameter '", param, "'");
  distributions::DistPtr d;
  try {
    d = prior_.for_param(param, param == "weight" ? weight_mu : bias_mu);
  } catch (const Error& e) {
    throw ShapeError(describe(), ": ", e.what());
  }
  // Every random parameter of a layer needs a prior: a by-name prior must name both.
  PPLX_CHECK_AS(ValueError, d != nullptr, describe(), ": the prior ", prior_.description(),
                " gives no distribution for '", param, "'; name every random parameter (",
                random_parameters().size() == 2 ? "weight, bias" : "weight", ")");
  return d;
}

void BayesianLayer::check_named() const {
  PPLX_CHECK_AS(SiteError, !site_name_.empty(), describe(),
                " has no site name, so its weights cannot be sample sites. Name the network's layers once after "
                "building it, e.g. pplx::nn::set_site_names(\"net\", *net) (sample_posterior(\"net\", *net) in the "
                "guide does it too), or switch the layer to WeightMode::posterior or ::mean to use it outside a model");
}

void BayesianLayer::sample_posterior_sites() const {
  check_named();
  for (const auto& p : random_parameters()) pplx::sample(site(p), posterior(p));
}

BayesianLayer::Weights BayesianLayer::draw_weights() const {
  Weights w;
  switch (mode_) {
    case WeightMode::mean:
      w.weight = weight_mu;
      w.bias = bias_mu;
      break;
    case WeightMode::posterior:
      w.weight = weight_mu + sigma(weight_rho) * at::randn_like(weight_mu);
      if (bias_mu.defined()) w.bias = bias_mu + sigma(bias_rho) * at::randn_like(bias_mu);
      break;
    case WeightMode::model:
      if (am_i_wrapped()) check_named();
      w.weight = pplx::sample(site("weight"), prior("weight"));
      if (bias_mu.defined()) w.bias = pplx::sample(site("bias"), prior("bias"));
      break;
  }
  return w;
}

at::Tensor BayesianLayer::kl_divergence() const {
  at::Tensor total;
  for (const auto& param : random_parameters()) {
    auto q = posterior(param);
    auto p = prior(param);
    at::Tensor kl;
    if (distributions::has_kl(*q, *p)) {
      kl = distributions::kl_divergence(*q, *p).sum();
    } else {
      const int64_t n = prior_spec().num_mc_samples();
      auto draws = q->rsample({n});
      kl = -q->entropy().sum() - p->log_prob(draws).mean();
    }
    total = total.defined() ? total + kl : kl;
  }
  return total;
}

at::Tensor BayesianLayer::random_signs(const at::Tensor& like) const {
  // Rademacher signs per example and channel; shared along dims after the channel dim (spatial
  // positions), so that each example sees one perturbed filter, as in Wen et al.'s conv Flipout.
  auto shape = like.sizes().vec();
  const int64_t c = channel_dim(like);
  for (int64_t d = c + 1; d < like.dim(); ++d) shape[d] = 1;
  return at::empty(shape, like.options().requires_grad(false)).bernoulli_(0.5).mul_(2).sub_(1);
}

at::Tensor BayesianLayer::forward_impl(const at::Tensor& x) const {
  if (mode_ == WeightMode::mean) return apply(x, weight_mu, bias_mu);
  if (estimator_ == Estimator::local_reparameterization) {
    // The sites still carry log q(W) - log p(W) for the ELBO; the outputs use their own noise.
    if (mode_ == WeightMode::model) draw_weights();
    auto mean = apply(x, weight_mu, bias_mu);
    auto var = apply(x * x, sigma(weight_rho).pow(2), bias_mu.defined() ? sigma(bias_rho).pow(2) : at::Tensor());
    // clamp_min keeps the gradient of sqrt finite where the variance is exactly zero (x == 0).
    return mean + var.clamp_min(1e-30).sqrt() * at::randn_like(mean);
  }
  at::Tensor weight, bias, delta;
  if (mode_ == WeightMode::model) {
    Weights w = draw_weights();
    weight = w.weight;
    bias = w.bias;
    if (estimator_ == Estimator::flipout) delta = weight - weight_mu;
  } else {  // posterior
    if (estimator_ == Estimator::flipout) {
      delta = sigma(weight_rho) * at::randn_like(weight_mu);
    } else {
      weight = weight_mu + sigma(weight_rho) * at::randn_like(weight_mu);
    }
    if (bias_mu.defined()) bias = bias_mu + sigma(bias_rho) * at::randn_like(bias_mu);
  }
  if (estimator_ == Estimator::reparameterization) return apply(x, weight, bias);
  // Flipout: the mean part plus the shared perturbation, sign-flipped per example.
  auto mean_out = apply(x, weight_mu, bias);
  auto s_in = random_signs(x);
  auto perturbation = apply(x * s_in, delta, at::Tensor());
  return mean_out + perturbation * random_signs(perturbation);
}

void BayesianLayer::init_posterior(at::Tensor& mu, at::Tensor& rho, double mu_init, double mu_init_std, double rho_init,
                                   double rho_init_std) {
  c10::NoGradGuard no_grad;
  if (mu_init_std > 0) {
    mu.normal_(mu_init, mu_init_std);
  } else {
    mu.fill_(mu_init);
  }
  if (rho_init_std > 0) {
    rho.normal_(rho_init, rho_init_std);
  } else {
    rho.fill_(rho_init);
  }
}

}  // namespace nn
}  // namespace pplx
