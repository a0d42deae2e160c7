// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Exponential's parameter, broadcast to its batch shape.
struct ExponentialParams {
  BOOST_HANA_DEFINE_STRUCT(ExponentialParams, (Param<constraints::positive>, rate));
};

/// Exponential(rate): density rate * exp(-rate x) on x >= 0, reparameterized.
///
///   auto d = dist::Exponential(2.0);   // mean 0.5
class Exponential : public detail::Parametric<Exponential, ExponentialParams> {
 public:
  explicit Exponential(ParamArg rate);
  explicit Exponential(ExponentialParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.rate.reciprocal(); }
  at::Tensor variance() const override { return p_.rate.pow(-2); }
  at::Tensor entropy() const override { return 1.0 - p_.rate.log(); }
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

  const at::Tensor& rate() const { return p_.rate; }
};

extern template class detail::Parametric<Exponential, ExponentialParams>;

}  // namespace distributions
}  // namespace pplx
