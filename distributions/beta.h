// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Beta's parameters, broadcast to its batch shape.
struct BetaParams {
  BOOST_HANA_DEFINE_STRUCT(BetaParams, (Param<constraints::positive>, concentration1),
                           (Param<constraints::positive>, concentration0));
};

/// Beta(concentration1, concentration0) on [0, 1]: mean c1 / (c1 + c0). Reparameterized
/// (ratio of two reparameterized gamma draws, formed in log space so that tiny concentrations
/// sample correctly); draws are clamped to [tiny, 1 - eps] of their dtype, as torch's.
///
///   auto d = dist::Beta(2.0, 5.0);
class Beta : public detail::Parametric<Beta, BetaParams> {
 public:
  Beta(ParamArg concentration1, ParamArg concentration0);
  explicit Beta(BetaParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::unit_interval; }

  const at::Tensor& concentration1() const { return p_.concentration1; }
  const at::Tensor& concentration0() const { return p_.concentration0; }
};

extern template class detail::Parametric<Beta, BetaParams>;

}  // namespace distributions
}  // namespace pplx
