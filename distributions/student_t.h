// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// StudentT's parameters, broadcast to its batch shape.
struct StudentTParams {
  BOOST_HANA_DEFINE_STRUCT(StudentTParams, (Param<constraints::positive>, df), (Param<constraints::real>, loc),
                           (Param<constraints::positive>, scale));
};

/// Student's t with `df` degrees of freedom, location and scale; reparameterized.
/// mean is NaN where df <= 1; variance is +inf where 1 < df <= 2 and NaN where df <= 1.
///
///   auto d = dist::StudentT(3.0, 0.0, 1.0);
class StudentT : public detail::Parametric<StudentT, StudentTParams> {
 public:
  StudentT(ParamArg df, ParamArg loc = 0.0, ParamArg scale = 1.0);
  explicit StudentT(StudentTParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

  const at::Tensor& df() const { return p_.df; }
  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale() const { return p_.scale; }
};

extern template class detail::Parametric<StudentT, StudentTParams>;

}  // namespace distributions
}  // namespace pplx
