// SPDX-License-Identifier: Apache-2.0
// BayesianLinear: a linear layer with a mean-field Normal posterior over its weight and bias.
#pragma once

#include <cstdint>
#include <ostream>

#include <c10/util/Optional.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <pplx/nn/bayesian_layer.h>
#include <pplx/nn/prior.h>

namespace pplx {
namespace nn {

/// Options of BayesianLinear. Names and defaults follow bayesian-torch's LinearReparameterization.
///
///   BayesianLinearOptions(784, 1024).prior_scale(1.0).posterior_rho_init(-3.0).flipout(true)
struct BayesianLinearOptions {
  BayesianLinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  /// Whether the layer has a (random) bias.
  TORCH_ARG(bool, bias) = true;
  /// The default prior: every weight N(prior_mean, prior_scale^2) (bayesian-torch's prior_mean and
  /// prior_variance, which it uses as a scale).
  TORCH_ARG(double, prior_mean) = 0.0;
  TORCH_ARG(double, prior_scale) = 1.0;
  /// Any other prior (priors::scale_mixture, priors::gaussian, a distribution...); overrides
  /// prior_mean and prior_scale.
  TORCH_ARG(c10::optional<Prior>, prior) = c10::nullopt;

 public:
  /// Shorthands: `.prior(dist::Normal(0.0, 0.1))`, `.prior(some_dist_ptr)`.
  BayesianLinearOptions& prior(const distributions::Distribution& d) {
    prior_ = Prior(d);
    return *this;
  }
  BayesianLinearOptions& prior(distributions::DistPtr d) {
    prior_ = Prior(std::move(d));
    return *this;
  }
  /// Posterior means start at N(posterior_mu_init, posterior_mu_init_std^2) draws (0: constant).
  TORCH_ARG(double, posterior_mu_init) = 0.0;
  TORCH_ARG(double, posterior_mu_init_std) = 0.1;
  /// Posterior rho (sigma = softplus(rho)) starts at N(posterior_rho_init, posterior_rho_init_std^2).
  TORCH_ARG(double, posterior_rho_init) = -3.0;
  TORCH_ARG(double, posterior_rho_init_std) = 0.1;
  /// Flipout estimator (see Estimator::flipout).
  TORCH_ARG(bool, flipout) = false;
  /// Local reparameterization estimator (see Estimator::local_reparameterization).
  TORCH_ARG(bool, local_reparameterization) = false;
};

/// y = x W^T + b with W and b random: sample sites in a model, N(mu, softplus(rho)) in the guide
/// (see BayesianLayer for the design and WeightMode for prediction).
///
///   pplx::nn::BayesianLinear fc(pplx::nn::BayesianLinearOptions(784, 1024).prior_scale(1.0));
///   pplx::nn::set_site_names("fc", *fc);      // sites "fc.weight", "fc.bias"
///   auto y = fc(x);                           // in a model: weights drawn from the prior
class BayesianLinearImpl : public torch::nn::Cloneable<BayesianLinearImpl>, public BayesianLayer {
 public:
  BayesianLinearImpl(int64_t in_features, int64_t out_features)
      : BayesianLinearImpl(BayesianLinearOptions(in_features, out_features)) {}
  explicit BayesianLinearImpl(const BayesianLinearOptions& options);

  void reset() override;
  /// Re-draws the posterior's initial mu and rho.
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  /// input [..., in_features] -> [..., out_features].
  at::Tensor forward(const at::Tensor& input);
  std::string describe() const override;

  BayesianLinearOptions options;

 protected:
  at::Tensor apply(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const override;
  int64_t channel_dim(const at::Tensor& t) const override { return t.dim() - 1; }
};
TORCH_MODULE(BayesianLinear);

namespace detail {
/// The prior and estimator an options struct asks for (shared by the layer types).
Prior prior_from(const c10::optional<Prior>& prior, double prior_mean, double prior_scale);
Estimator estimator_from(bool flipout, bool local_reparameterization, const char* layer);
void check_posterior_init(double mu_init_std, double rho_init_std, const char* layer);
}  // namespace detail

}  // namespace nn
}  // namespace pplx
