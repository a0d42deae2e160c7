// SPDX-License-Identifier: Apache-2.0
// Priors over the weights of Bayesian layers, including PyVarInf's four named priors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace nn {

/// The prior of one Bayesian layer's random parameters ("weight", "bias"): for each, a
/// distribution whose event shape is the parameter's shape, so that one sample site holds the
/// whole tensor. Also says how many Monte Carlo samples kl_divergence() uses for it when no closed
/// form exists. Immutable; safe to share between layers and threads.
///
///   auto p = pplx::nn::Prior(dist::Normal(0.0, 0.1));              // iid N(0, 0.1^2) per weight
///   auto q = pplx::nn::priors::mixtgauss(/*n_mc_samples=*/2, 1.0, 0.0025, 0.5);
class Prior {
 public:
  /// Distribution for parameter `name` of the same shape as `like` (its posterior mean).
  using Fn = std::function<distributions::DistPtr(const std::string& name, const at::Tensor& like)>;

  /// A distribution with empty batch and event shape is used independently for every element;
  /// one with a batch shape equal to the parameter's shape is made one event.
  Prior(const distributions::Distribution& d);  // NOLINT: implicit by design, like pplx::Priors
  Prior(distributions::DistPtr d);              // NOLINT
  Prior(Fn fn, std::string description, int64_t num_mc_samples = 1);

  /// The prior of parameter `name`, with event_shape == like.sizes(). Throws pplx::ShapeError when
  /// the distribution does not have the parameter's shape.
  distributions::DistPtr for_param(const std::string& name, const at::Tensor& like) const;
  /// Monte Carlo samples per kl_divergence() term where no closed form exists (PyVarInf's n_mc_samples).
  int64_t num_mc_samples() const { return num_mc_samples_; }
  /// A short description such as "Normal(0, 1)" or "mixtgauss(sigma_1=1, sigma_2=0.0025, pi=0.5)".
  const std::string& description() const { return description_; }

 private:
  Fn fn_;
  std::string description_;
  int64_t num_mc_samples_ = 1;
};

namespace priors {

/// N(mean, scale^2) for every element: bayesian-torch's prior_mean / prior_variance (a scale).
Prior normal(double mean = 0.0, double scale = 1.0);

/// Blundell et al.'s scale mixture pi N(0, sigma_1^2) + (1 - pi) N(0, sigma_2^2) for every
/// element (BLiTZ's prior_pi, prior_sigma_1, prior_sigma_2). `num_mc_samples` as in Prior.
Prior scale_mixture(double pi, double sigma_1, double sigma_2, int64_t num_mc_samples = 1);

/// PyVarInf's 'gaussian' prior: N(0, s^2) with s = 1/sqrt(fan_in) for a weight, where fan_in is
/// the product of every dim but the first (in_features; in_channels/groups * kernel size), and
/// s = 0.01 for a bias. Its KL from a Normal posterior is analytic.
Prior gaussian();

/// PyVarInf's 'conjugate' prior: the elements of one parameter tensor are iid N(mu, 1/tau) with a
/// normal-gamma prior tau ~ Gamma(alpha_0, beta_0), mu | tau ~ N(mu_0, 1/(kappa_0 tau)), and
/// (mu, tau) integrated out exactly (see ConjugateNormalGamma).
Prior conjugate(int64_t n_mc_samples, double alpha_0, double beta_0, double mu_0, double kappa_0);

/// PyVarInf's 'conjugate_known_mean' prior: elements iid N(mean, 1/tau) with tau ~
/// Gamma(alpha_0, beta_0) integrated out (see ConjugateKnownMean).
Prior conjugate_known_mean(int64_t n_mc_samples, double mean, double alpha_0, double beta_0);

/// PyVarInf's 'mixtgauss' prior: pi N(0, sigma_1^2) + (1 - pi) N(0, sigma_2^2) for every element.
/// Unlike PyVarInf no 1e-8 is added inside the logarithm: the density is exact (logsumexp).
Prior mixtgauss(int64_t n_mc_samples, double sigma_1, double sigma_2, double pi);

}  // namespace priors
}  // namespace nn
}  // namespace pplx
