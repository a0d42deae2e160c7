// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// ScaleMixtureNormal's parameters, broadcast to its batch shape.
struct ScaleMixtureNormalParams {
  BOOST_HANA_DEFINE_STRUCT(ScaleMixtureNormalParams, (Param<constraints::real>, loc),
                           (Param<constraints::positive>, scale1), (Param<constraints::positive>, scale2),
                           (Param<constraints::unit_interval>, pi));
};

/// The scale-mixture prior of Blundell et al. (2015), "Weight Uncertainty in Neural Networks"
/// (PyVarInf's `mixtgauss`): pi * Normal(loc, scale1) + (1 - pi) * Normal(loc, scale2).
/// log_prob is the exact log density, a logsumexp of the two weighted Normal log densities.
/// Not reparameterized (the component choice is discrete); no closed-form entropy.
///
///   auto prior = dist::ScaleMixtureNormal(0.0, 1.0, std::exp(-6.0), 0.5);   // loc, s1, s2, pi
class ScaleMixtureNormal : public detail::Parametric<ScaleMixtureNormal, ScaleMixtureNormalParams> {
 public:
  /// pi in [0, 1] is the weight of the scale1 component.
  ScaleMixtureNormal(ParamArg loc, ParamArg scale1, ParamArg scale2, ParamArg pi);
  explicit ScaleMixtureNormal(ScaleMixtureNormalParams params);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.loc; }
  at::Tensor variance() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale1() const { return p_.scale1; }
  const at::Tensor& scale2() const { return p_.scale2; }
  const at::Tensor& pi() const { return p_.pi; }
};

extern template class detail::Parametric<ScaleMixtureNormal, ScaleMixtureNormalParams>;

}  // namespace distributions
}  // namespace pplx
