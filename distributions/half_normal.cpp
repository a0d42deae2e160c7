// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/half_normal.h>

#include <cmath>
#include <limits>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<HalfNormal, HalfNormalParams>;

HalfNormal::HalfNormal(ParamArg scale)
    : HalfNormal(HalfNormalParams{scale.resolve(ParamArg::common_options({&scale}))}) {}

HalfNormal::HalfNormal(HalfNormalParams params) : Parametric("HalfNormal", std::move(params)) {}

at::Tensor HalfNormal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return (detail::randn(extended_shape(sample_shape), gen, p_.scale.options()) * p_.scale).abs();
}

// Twice Normal(0, scale)'s density on [0, inf), zero (log: -inf) below 0.
at::Tensor HalfNormal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const double half_log_2pi = 0.5 * std::log(2 * M_PI);
  auto lp = -value.pow(2) / (2 * p_.scale.pow(2)) - p_.scale.log() - half_log_2pi + std::log(2.0);
  return at::where(value >= 0, lp, -std::numeric_limits<double>::infinity());
}

at::Tensor HalfNormal::mean() const { return p_.scale * std::sqrt(2.0 / M_PI); }
at::Tensor HalfNormal::variance() const { return p_.scale.pow(2) * (1.0 - 2.0 / M_PI); }
at::Tensor HalfNormal::entropy() const { return 0.5 + 0.5 * std::log(2 * M_PI) + p_.scale.log() - std::log(2.0); }

}  // namespace distributions
}  // namespace pplx
