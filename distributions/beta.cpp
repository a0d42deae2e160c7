// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/beta.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Beta, BetaParams>;

Beta::Beta(ParamArg concentration1, ParamArg concentration0)
    : Beta([&] {
        auto opts = ParamArg::common_options({&concentration1, &concentration0});
        return BetaParams{concentration1.resolve(opts), concentration0.resolve(opts)};
      }()) {}

Beta::Beta(BetaParams params) : Parametric("Beta", std::move(params)) {}

// x = g1 / (g1 + g0) with g_i ~ Gamma(c_i, 1), formed as sigmoid(log g1 - log g0): for small
// concentrations both gamma draws underflow (Beta(1e-3, 1e-3) put 84 % of float32 draws at exactly
// 0.5), their logarithms do not. Clamped into [tiny, 1 - eps] as torch does, so that a draw that
// rounds to 0 or 1 keeps a finite log_prob.
at::Tensor Beta::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto log_g1 = detail::log_standard_gamma(p_.concentration1.expand(shape), gen);
  auto log_g0 = detail::log_standard_gamma(p_.concentration0.expand(shape), gen);
  auto x = at::sigmoid(log_g1 - log_g0);
  const auto dtype = x.scalar_type();
  return x.clamp(detail::finfo_tiny(dtype), 1.0 - detail::finfo_eps(dtype));
}

// torch evaluates Dirichlet([c1, c0]) at [x, 1 - x]; this is the same sum written out.
at::Tensor Beta::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const auto& a = p_.concentration1;
  const auto& b = p_.concentration0;
  return at::xlogy(a - 1, value) + at::xlogy(b - 1, 1 - value) + at::lgamma(a + b) - at::lgamma(a) - at::lgamma(b);
}

at::Tensor Beta::mean() const { return p_.concentration1 / (p_.concentration1 + p_.concentration0); }

at::Tensor Beta::variance() const {
  auto total = p_.concentration1 + p_.concentration0;
  return p_.concentration1 * p_.concentration0 / (total.pow(2) * (total + 1));
}

at::Tensor Beta::entropy() const {
  const auto& a = p_.concentration1;
  const auto& b = p_.concentration0;
  auto a0 = a + b;
  return at::lgamma(a) + at::lgamma(b) - at::lgamma(a0) - (2 - a0) * at::digamma(a0) - (a - 1) * at::digamma(a) -
         (b - 1) * at::digamma(b);
}

}  // namespace distributions
}  // namespace pplx
