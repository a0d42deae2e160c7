// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Laplace's parameters, broadcast to its batch shape.
struct LaplaceParams {
  BOOST_HANA_DEFINE_STRUCT(LaplaceParams, (Param<constraints::real>, loc), (Param<constraints::positive>, scale));
};

/// Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale), reparameterized.
///
///   auto d = dist::Laplace(torch::zeros({3}), 1.0);
class Laplace : public detail::Parametric<Laplace, LaplaceParams> {
 public:
  Laplace(ParamArg loc, ParamArg scale);
  explicit Laplace(LaplaceParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.loc; }
  at::Tensor variance() const override { return 2 * p_.scale.pow(2); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<Laplace, LaplaceParams>;

}  // namespace distributions
}  // namespace pplx
