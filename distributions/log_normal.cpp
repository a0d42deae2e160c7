// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/log_normal.h>

#include <cmath>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<LogNormal, LogNormalParams>;

LogNormal::LogNormal(ParamArg loc, ParamArg scale)
    : LogNormal([&] {
        auto opts = ParamArg::common_options({&loc, &scale});
        return LogNormalParams{loc.resolve(opts), scale.resolve(opts)};
      }()) {}

LogNormal::LogNormal(LogNormalParams params) : Parametric("LogNormal", std::move(params)) {}

at::Tensor LogNormal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return (p_.loc + detail::randn(extended_shape(sample_shape), gen, p_.loc.options()) * p_.scale).exp();
}

// The density of y = exp(x): Normal's log density at log(y) minus log|dy/dx| = log(y).
at::Tensor LogNormal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const double half_log_2pi = 0.5 * std::log(2 * M_PI);
  auto x = value.log();
  return -(x - p_.loc).pow(2) / (2 * p_.scale.pow(2)) - p_.scale.log() - half_log_2pi - x;
}

at::Tensor LogNormal::mean() const { return (p_.loc + p_.scale.pow(2) / 2).exp(); }

at::Tensor LogNormal::variance() const {
  auto scale_sq = p_.scale.pow(2);
  return scale_sq.expm1() * (2 * p_.loc + scale_sq).exp();
}

at::Tensor LogNormal::entropy() const { return 0.5 + 0.5 * std::log(2 * M_PI) + p_.scale.log() + p_.loc; }

}  // namespace distributions
}  // namespace pplx
