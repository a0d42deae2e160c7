// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/gamma.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Gamma, GammaParams>;

Gamma::Gamma(ParamArg concentration, ParamArg rate)
    : Gamma([&] {
        auto opts = ParamArg::common_options({&concentration, &rate});
        return GammaParams{concentration.resolve(opts), rate.resolve(opts)};
      }()) {}

Gamma::Gamma(GammaParams params) : Parametric("Gamma", std::move(params)) {}

// Clamped away from 0 as torch does: a draw that underflows would have log_prob -inf or NaN.
at::Tensor Gamma::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto value = detail::standard_gamma(p_.concentration.expand(shape), gen) / p_.rate.expand(shape);
  return value.clamp_min(detail::finfo_tiny(value.scalar_type()));
}

at::Tensor Gamma::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  return at::xlogy(p_.concentration, p_.rate) + at::xlogy(p_.concentration - 1, value) - p_.rate * value -
         at::lgamma(p_.concentration);
}

at::Tensor Gamma::entropy() const {
  return p_.concentration - p_.rate.log() + at::lgamma(p_.concentration) +
         (1.0 - p_.concentration) * at::digamma(p_.concentration);
}

}  // namespace distributions
}  // namespace pplx
