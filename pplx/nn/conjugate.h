// SPDX-License-Identifier: Apache-2.0
// PyVarInf's conjugate priors as distributions over a whole parameter tensor: a Normal with
// unknown precision (and mean), the hyper-parameters integrated out exactly.
#pragma once

#include <string>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace nn {

/// The n elements of an event are iid N(mu, 1/tau) with the normal-gamma prior
/// tau ~ Gamma(alpha_0, rate beta_0), mu | tau ~ N(mu_0, 1/(kappa_0 tau)); (mu, tau) integrated
/// out, so elements are exchangeable but not independent. With x_bar the event's mean,
/// V = sum (x - x_bar)^2, alpha_n = alpha_0 + n/2, kappa_n = kappa_0 + n and
/// beta_n = beta_0 + V/2 + kappa_0 n (x_bar - mu_0)^2 / (2 kappa_n):
///   log p(x) = lgamma(alpha_n) - lgamma(alpha_0) + alpha_0 log beta_0 - alpha_n log beta_n
///              + (log kappa_0 - log kappa_n)/2 - n/2 log(2 pi).
///
///   auto p = pplx::nn::ConjugateNormalGamma({10, 5}, 1.0, 1.0, 0.0, 1.0);   // event_shape [10, 5]
class ConjugateNormalGamma : public distributions::Distribution {
 public:
  ConjugateNormalGamma(distributions::Shape event_shape, double alpha_0, double beta_0, double mu_0, double kappa_0,
                       at::TensorOptions options = {});

  std::string name() const override { return "ConjugateNormalGamma"; }
  distributions::DistPtr clone() const override { return std::make_shared<ConjugateNormalGamma>(*this); }
  /// Draws tau, then mu, then the elements (no gradient: the hyper-parameters are constants).
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, distributions::Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  /// beta_0 / (alpha_0 - 1) * (1 + 1/kappa_0) per element; infinite when alpha_0 <= 1.
  at::Tensor variance() const override;
  constraints::ConstraintPtr support() const override;
  distributions::DistPtr expand(c10::IntArrayRef batch_shape) const override;

 private:
  double alpha_0_, beta_0_, mu_0_, kappa_0_;
  at::TensorOptions options_;
};

/// The n elements of an event are iid N(mean, 1/tau) with tau ~ Gamma(alpha_0, rate beta_0)
/// integrated out (a multivariate Student t). With S = sum (x - mean)^2, alpha_n = alpha_0 + n/2
/// and beta_n = beta_0 + S/2:
///   log p(x) = lgamma(alpha_n) - lgamma(alpha_0) + alpha_0 log beta_0 - alpha_n log beta_n - n/2 log(2 pi).
///
///   auto p = pplx::nn::ConjugateKnownMean({10}, 0.0, 1.0, 1.0);
class ConjugateKnownMean : public distributions::Distribution {
 public:
  ConjugateKnownMean(distributions::Shape event_shape, double mean, double alpha_0, double beta_0,
                     at::TensorOptions options = {});

  std::string name() const override { return "ConjugateKnownMean"; }
  distributions::DistPtr clone() const override { return std::make_shared<ConjugateKnownMean>(*this); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, distributions::Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  /// beta_0 / (alpha_0 - 1) per element; infinite when alpha_0 <= 1.
  at::Tensor variance() const override;
  constraints::ConstraintPtr support() const override;
  distributions::DistPtr expand(c10::IntArrayRef batch_shape) const override;

 private:
  double mean_, alpha_0_, beta_0_;
  at::TensorOptions options_;
};

}  // namespace nn
}  // namespace pplx
