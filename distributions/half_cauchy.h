// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// HalfCauchy's parameter, broadcast to its batch shape.
struct HalfCauchyParams {
  BOOST_HANA_DEFINE_STRUCT(HalfCauchyParams, (Param<constraints::positive>, scale));
};

/// |Cauchy(0, scale)|, reparameterized; support nonnegative; mean and variance are infinite.
///
///   auto d = dist::HalfCauchy(1.0);   // a common prior on a scale parameter
class HalfCauchy : public detail::Parametric<HalfCauchy, HalfCauchyParams> {
 public:
  explicit HalfCauchy(ParamArg scale);
  explicit HalfCauchy(HalfCauchyParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<HalfCauchy, HalfCauchyParams>;

}  // namespace distributions
}  // namespace pplx
