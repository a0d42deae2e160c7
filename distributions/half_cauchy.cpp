// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/half_cauchy.h>

#include <cmath>
#include <limits>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<HalfCauchy, HalfCauchyParams>;

HalfCauchy::HalfCauchy(ParamArg scale)
    : HalfCauchy(HalfCauchyParams{scale.resolve(ParamArg::common_options({&scale}))}) {}

HalfCauchy::HalfCauchy(HalfCauchyParams params) : Parametric("HalfCauchy", std::move(params)) {}

at::Tensor HalfCauchy::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return (detail::cauchy(extended_shape(sample_shape), gen, p_.scale.options()) * p_.scale).abs();
}

// Twice Cauchy(0, scale)'s density on [0, inf), zero (log: -inf) below 0.
at::Tensor HalfCauchy::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto lp = -std::log(M_PI) - p_.scale.log() - (value / p_.scale).pow(2).log1p() + std::log(2.0);
  return at::where(value >= 0, lp, -std::numeric_limits<double>::infinity());
}

at::Tensor HalfCauchy::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::infinity(), p_.scale.options());
}
at::Tensor HalfCauchy::variance() const {
  return at::full(batch_shape(), std::numeric_limits<double>::infinity(), p_.scale.options());
}
at::Tensor HalfCauchy::entropy() const { return std::log(4 * M_PI) + p_.scale.log() - std::log(2.0); }

}  // namespace distributions
}  // namespace pplx
