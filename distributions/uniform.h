// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Uniform's parameters, broadcast to its batch shape.
struct UniformParams {
  BOOST_HANA_DEFINE_STRUCT(UniformParams, (DependentParam, low), (DependentParam, high));
};

/// Uniform(low, high), reparameterized. Requires low < high elementwise. As in torch, the support
/// is the closed interval [low, high] but log_prob(high) is -inf (the density uses low <= x < high).
///
///   auto d = dist::Uniform(0.0, 2.0);
class Uniform : public detail::Parametric<Uniform, UniformParams> {
 public:
  Uniform(ParamArg low, ParamArg high);
  explicit Uniform(UniformParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return (p_.high + p_.low) / 2; }
  at::Tensor variance() const override { return (p_.high - p_.low).pow(2) / 12; }
  at::Tensor entropy() const override { return (p_.high - p_.low).log(); }
  constraints::ConstraintPtr support() const override;

  const at::Tensor& low() const { return p_.low; }
  const at::Tensor& high() const { return p_.high; }
};

extern template class detail::Parametric<Uniform, UniformParams>;

}  // namespace distributions
}  // namespace pplx
