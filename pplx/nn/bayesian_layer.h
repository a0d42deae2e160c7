// SPDX-License-Identifier: Apache-2.0
// What every Bayesian layer shares: mean-field Normal posteriors over its weight and bias, the
// prior, and how a single layer object takes part in both the model and the guide.
#pragma once

#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/nn/prior.h>

namespace pplx {
namespace nn {

/// Where a Bayesian layer's weights come from when it runs. Switch with set_weight_mode().
enum class WeightMode {
  /// The default. Weights are sample sites "<site_name>.weight" / ".bias" drawn from the prior:
  /// the layer is part of the *model*. Under SVI the model is replayed against the guide, so the
  /// sites take the guide's draws from the posterior (see sample_posterior()).
  model,
  /// Weights are drawn from the variational posterior on every call, with no sites: prediction
  /// with a trained network (one call = one sampled network).
  posterior,
  /// Weights are the posterior means: a deterministic network.
  mean,
};
const char* to_string(WeightMode mode);

/// How the layer turns weight noise into output noise (for the model and posterior modes).
enum class Estimator {
  /// One weight draw shared by the whole batch, as the sites hold it.
  reparameterization,
  /// Wen et al. (2018): output = f(x, mu) + f(x * s_in, dW) * s_out, with dW = W - mu the shared
  /// draw's deviation and s_in, s_out random signs per example (and per channel for convolutions).
  /// Each example sees a weight with the posterior's distribution, decorrelated across the batch.
  flipout,
  /// Kingma et al. (2015): the pre-activations are drawn directly from their Gaussian given x,
  /// N(f(x, mu_W) + mu_b, f(x^2, sigma_W^2) + sigma_b^2), independently per output element.
  local_reparameterization,
};
const char* to_string(Estimator estimator);

/// The part shared by BayesianLinear and BayesianConv{1,2,3}d (not a module itself; those derive
/// from torch::nn::Cloneable and from this).
///
/// Design: the weights of a layer are random variables at sample sites, "<site_name>.weight" and
/// "<site_name>.bias". One layer object plays both roles of a variational fit:
///  - in the model, forward() samples those sites from the prior (WeightMode::model);
///  - in the guide, sample_posterior() (pplx/nn/posterior.h) samples the *same* site names from
///    the variational posterior N(mu, softplus(rho)), whose mu and rho are module parameters
///    registered as pplx::param sites.
/// TraceELBO then sees log q(W) in the guide trace and log p(W) in the model trace, the model's
/// sites replayed at the guide's values, and sums them like any other latent: no KL is passed
/// around on the side. Flipout and the local reparameterization still draw the sites (their
/// log-densities are the KL terms) but compute the outputs with their own, lower-variance noise
/// around the posterior mean; that is unbiased when the sites come from this layer's posterior,
/// which is what sample_posterior() provides.
///
/// Site names come from the layer's place in a network: set_site_names("net", net) names the
/// layer at path "fc1" "net.fc1" (sample_posterior() does it too).
///
/// Not thread-safe: a layer object belongs to one thread at a time, like any torch module.
class BayesianLayer {
 public:
  virtual ~BayesianLayer() = default;

  /// Posterior means and rho (sigma = softplus(rho)) of the weight and bias; the bias ones are
  /// undefined when the layer has no bias. These are the layer's torch parameters.
  at::Tensor weight_mu, weight_rho, bias_mu, bias_rho;

  /// Prefix of the layer's site names; empty until named (see set_site_names()).
  const std::string& site_name() const { return site_name_; }
  void set_site_name(std::string name) { site_name_ = std::move(name); }
  /// "<site_name>.<param>" for param "weight" or "bias".
  std::string site(const std::string& param) const;

  WeightMode weight_mode() const { return mode_; }
  void set_weight_mode(WeightMode mode) { mode_ = mode; }
  Estimator estimator() const { return estimator_; }

  /// "weight" and, when the layer has a bias, "bias".
  std::vector<std::string> random_parameters() const;
  /// The variational posterior of `param`: Normal(mu, softplus(rho)), one event of the
  /// parameter's shape. Differentiable in mu and rho.
  distributions::DistPtr posterior(const std::string& param) const;
  /// The prior of `param`, one event of the parameter's shape.
  distributions::DistPtr prior(const std::string& param) const;
  const Prior& prior_spec() const { return prior_; }

  /// KL(q || p) summed over weight and bias: in closed form where distributions/kl.h has one (a
  /// Normal prior), otherwise -H(q) - E_q[log p(W)] with the entropy exact and the expectation
  /// estimated from prior_spec().num_mc_samples() reparameterized draws. Differentiable in mu, rho.
  at::Tensor kl_divergence() const;

  /// Guide side: samples the sites "<site_name>.weight" (and ".bias") from the posterior. Does not
  /// register mu and rho as params (sample_posterior() in posterior.h does both).
  void sample_posterior_sites() const;

  /// The weight and bias for one call in the current mode, for layers whose computation is done
  /// elsewhere (variationalize). The estimator is ignored: this is always one shared draw.
  struct Weights {
    at::Tensor weight;
    at::Tensor bias;  ///< undefined without bias
  };
  Weights draw_weights() const;

  /// A one-line description for error messages, e.g. "BayesianLinear(784 -> 1024) 'net.0'".
  virtual std::string describe() const = 0;

 protected:
  BayesianLayer(Prior prior, Estimator estimator) : prior_(std::move(prior)), estimator_(estimator) {}

  /// The layer's deterministic operation: linear(x, w, b) or conv(x, w, b). `b` may be undefined.
  virtual at::Tensor apply(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const = 0;
  /// Dim of `t` (input or output) that holds channels / features; Flipout's signs vary along the
  /// batch dims and this one and are shared along the rest (the spatial dims of a convolution).
  virtual int64_t channel_dim(const at::Tensor& t) const = 0;

  /// forward() of the concrete layers: weights by mode, outputs by estimator.
  at::Tensor forward_impl(const at::Tensor& x) const;
  /// Fills mu with N(mu_init, mu_init_std) and rho with N(rho_init, rho_init_std), as bayesian-torch.
  static void init_posterior(at::Tensor& mu, at::Tensor& rho, double mu_init, double mu_init_std, double rho_init,
                             double rho_init_std);

 private:
  at::Tensor random_signs(const at::Tensor& like) const;
  at::Tensor sigma(const at::Tensor& rho) const;
  void check_named() const;

  Prior prior_;
  Estimator estimator_;
  WeightMode mode_ = WeightMode::model;
  std::string site_name_;
};

}  // namespace nn
}  // namespace pplx
