// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Gamma's parameters, broadcast to its batch shape.
struct GammaParams {
  BOOST_HANA_DEFINE_STRUCT(GammaParams, (Param<constraints::positive>, concentration),
                           (Param<constraints::positive>, rate));
};

/// Gamma(concentration, rate): mean concentration / rate. Reparameterized through LibTorch's
/// implicit gradient of the standard gamma sampler.
///
///   auto d = dist::Gamma(2.0, 1.0);
class Gamma : public detail::Parametric<Gamma, GammaParams> {
 public:
  Gamma(ParamArg concentration, ParamArg rate);
  explicit Gamma(GammaParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.concentration / p_.rate; }
  at::Tensor variance() const override { return p_.concentration / p_.rate.pow(2); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

  const at::Tensor& concentration() const { return p_.concentration; }
  const at::Tensor& rate() const { return p_.rate; }
};

extern template class detail::Parametric<Gamma, GammaParams>;

}  // namespace distributions
}  // namespace pplx
