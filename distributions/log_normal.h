// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// LogNormal's parameters (those of the underlying Normal), broadcast to its batch shape.
struct LogNormalParams {
  BOOST_HANA_DEFINE_STRUCT(LogNormalParams, (Param<constraints::real>, loc), (Param<constraints::positive>, scale));
};

/// exp(Normal(loc, scale)), reparameterized; support positive.
///
///   auto d = dist::LogNormal(0.0, 0.5);
class LogNormal : public detail::Parametric<LogNormal, LogNormalParams> {
 public:
  LogNormal(ParamArg loc, ParamArg scale);
  explicit LogNormal(LogNormalParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::positive; }

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<LogNormal, LogNormalParams>;

}  // namespace distributions
}  // namespace pplx
