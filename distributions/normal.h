// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Normal's parameters, broadcast to its batch shape.
struct NormalParams {
  BOOST_HANA_DEFINE_STRUCT(NormalParams, (Param<constraints::real>, loc), (Param<constraints::positive>, scale));
};

/// Normal(loc, scale), reparameterized.
///
///   auto d = dist::Normal(torch::zeros({3}), 1.0);   // batch_shape [3]
class Normal : public detail::Parametric<Normal, NormalParams> {
 public:
  Normal(ParamArg loc, ParamArg scale);
  explicit Normal(NormalParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.loc; }
  at::Tensor variance() const override { return p_.scale.pow(2); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<Normal, NormalParams>;

}  // namespace distributions
}  // namespace pplx
