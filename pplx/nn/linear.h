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
#include <pplx/nn/weight_options.h>

namespace pplx {
namespace nn {

/// Options of BayesianLinear: the features and bias, plus the prior, posterior initialisation and
/// estimator of BayesianWeightOptions. Names and defaults follow bayesian-torch's
/// LinearReparameterization.
///
///   BayesianLinearOptions(784, 1024).prior_scale(1.0).posterior_rho_init(-3.0).flipout(true)
struct BayesianLinearOptions : BayesianWeightOptions<BayesianLinearOptions> {
  BayesianLinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  /// Whether the layer has a (random) bias.
  TORCH_ARG(bool, bias) = true;
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
