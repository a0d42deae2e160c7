// SPDX-License-Identifier: Apache-2.0
// The prior and posterior settings shared by the options of every Bayesian layer.
#pragma once

#include <utility>

#include <c10/util/Optional.h>

#include <pplx/distributions/distribution.h>
#include <pplx/nn/prior.h>

/// TORCH_ARG for a CRTP base: the setter returns the derived options type, so that shared and
/// layer-specific settings chain in any order (`.prior_scale(0.1).stride(2)`).
#define PPLX_NN_WEIGHT_ARG(T, name)                  \
 public:                                             \
  Derived& name(const T& new_##name) {               \
    this->name##_ = new_##name;                      \
    return static_cast<Derived&>(*this);             \
  }                                                  \
  Derived& name(T&& new_##name) {                    \
    this->name##_ = std::move(new_##name);           \
    return static_cast<Derived&>(*this);             \
  }                                                  \
  const T& name() const noexcept { return name##_; } \
  T& name() noexcept { return name##_; }             \
                                                     \
 private:                                            \
  T name##_

namespace pplx {
namespace nn {

/// Prior, posterior initialisation and estimator of a Bayesian layer: the base of
/// BayesianLinearOptions and BayesianConvOptions. Names and defaults follow bayesian-torch.
template <class Derived>
struct BayesianWeightOptions {
  /// The default prior: every weight N(prior_mean, prior_scale^2) (bayesian-torch's prior_mean and
  /// prior_variance, which it uses as a scale).
  PPLX_NN_WEIGHT_ARG(double, prior_mean) = 0.0;
  PPLX_NN_WEIGHT_ARG(double, prior_scale) = 1.0;
  /// Any other prior (priors::scale_mixture, priors::gaussian, a distribution...); overrides
  /// prior_mean and prior_scale.
  PPLX_NN_WEIGHT_ARG(c10::optional<Prior>, prior) = c10::nullopt;

 public:
  /// Shorthands: `.prior(dist::Normal(0.0, 0.1))`, `.prior(some_dist_ptr)`.
  Derived& prior(const distributions::Distribution& d) { return prior(c10::optional<Prior>(Prior(d))); }
  Derived& prior(distributions::DistPtr d) { return prior(c10::optional<Prior>(Prior(std::move(d)))); }
  /// Posterior means start at N(posterior_mu_init, posterior_mu_init_std^2) draws (0: constant).
  PPLX_NN_WEIGHT_ARG(double, posterior_mu_init) = 0.0;
  PPLX_NN_WEIGHT_ARG(double, posterior_mu_init_std) = 0.1;
  /// Posterior rho (sigma = softplus(rho)) starts at N(posterior_rho_init, posterior_rho_init_std^2).
  PPLX_NN_WEIGHT_ARG(double, posterior_rho_init) = -3.0;
  PPLX_NN_WEIGHT_ARG(double, posterior_rho_init_std) = 0.1;
  /// Flipout estimator (see Estimator::flipout).
  PPLX_NN_WEIGHT_ARG(bool, flipout) = false;
  /// Local reparameterization estimator (see Estimator::local_reparameterization).
  PPLX_NN_WEIGHT_ARG(bool, local_reparameterization) = false;
};

}  // namespace nn
}  // namespace pplx

#undef PPLX_NN_WEIGHT_ARG
