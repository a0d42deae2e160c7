// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Poisson's parameter, broadcast to its batch shape.
struct PoissonParams {
  BOOST_HANA_DEFINE_STRUCT(PoissonParams, (Param<constraints::nonnegative>, rate));
};

/// Poisson(rate) over the nonnegative integers (rate 0 is allowed: all mass at 0). Values may be
/// whole-number floats or integers; samples have the rate's floating dtype. No entropy.
///
///   auto d = dist::Poisson(torch::tensor({1.5, 4.0}));
class Poisson : public detail::Parametric<Poisson, PoissonParams> {
 public:
  explicit Poisson(ParamArg rate);
  explicit Poisson(PoissonParams params);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.rate; }
  at::Tensor variance() const override { return p_.rate; }
  constraints::ConstraintPtr support() const override { return constraints::nonnegative_integer; }

  const at::Tensor& rate() const { return p_.rate; }
};

extern template class detail::Parametric<Poisson, PoissonParams>;

}  // namespace distributions
}  // namespace pplx
