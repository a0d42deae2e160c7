// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// HalfNormal's parameter, broadcast to its batch shape.
struct HalfNormalParams {
  BOOST_HANA_DEFINE_STRUCT(HalfNormalParams, (Param<constraints::positive>, scale));
};

/// |Normal(0, scale)|, reparameterized; support nonnegative.
///
///   auto d = dist::HalfNormal(torch::ones({3}));
class HalfNormal : public detail::Parametric<HalfNormal, HalfNormalParams> {
 public:
  explicit HalfNormal(ParamArg scale);
  explicit HalfNormal(HalfNormalParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<HalfNormal, HalfNormalParams>;

}  // namespace distributions
}  // namespace pplx
