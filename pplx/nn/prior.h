// SPDX-License-Identifier: Apache-2.0
// Named priors over the weights of Bayesian layers, including PyVarInf's four; each is a
// pplx::Prior (pplx/prior.h), the one prior type that lift and random_module take too.
#pragma once

#include <cstdint>

#include <pplx/prior.h>

namespace pplx {
namespace nn {
/// Named priors for Bayesian layers and nn::variationalize, each a pplx::Prior; any distribution
/// converts to a pplx::Prior too.
///
///   auto q = pplx::nn::priors::mixtgauss(/*n_mc_samples=*/2, 1.0, 0.0025, 0.5);
namespace priors {

/// N(mean, scale^2) for every element: bayesian-torch's prior_mean / prior_variance (a scale).
Prior normal(double mean = 0.0, double scale = 1.0);

/// Blundell et al.'s scale mixture pi N(0, sigma_1^2) + (1 - pi) N(0, sigma_2^2) for every
/// element (BLiTZ's prior_pi, prior_sigma_1, prior_sigma_2). `num_mc_samples` as in
/// pplx::Prior::num_mc_samples.
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
