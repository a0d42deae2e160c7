// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Cauchy's parameters, broadcast to its batch shape.
struct CauchyParams {
  BOOST_HANA_DEFINE_STRUCT(CauchyParams, (Param<constraints::real>, loc), (Param<constraints::positive>, scale));
};

/// Cauchy(loc, scale), reparameterized. Its mean is undefined (NaN) and its variance infinite.
///
///   auto d = dist::Cauchy(0.0, 1.0);
class Cauchy : public detail::Parametric<Cauchy, CauchyParams> {
 public:
  Cauchy(ParamArg loc, ParamArg scale);
  explicit Cauchy(CauchyParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<Cauchy, CauchyParams>;

}  // namespace distributions
}  // namespace pplx
