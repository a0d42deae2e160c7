// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/student_t.h>

#include <cmath>
#include <limits>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<StudentT, StudentTParams>;

StudentT::StudentT(ParamArg df, ParamArg loc, ParamArg scale)
    : StudentT([&] {
        auto opts = ParamArg::common_options({&df, &loc, &scale});
        return StudentTParams{df.resolve(opts), loc.resolve(opts), scale.resolve(opts)};
      }()) {}

StudentT::StudentT(StudentTParams params) : Parametric("StudentT", std::move(params)) {}

// loc + scale * X / sqrt(Z / df) with X ~ Normal(0, 1) and Z ~ Chi2(df) = 2 * Gamma(df / 2, 1).
// Z is drawn in log space: for small df the gamma draw underflows (float32 StudentT(0.1) capped its
// draws near 2e18 |X|, where 0.8 % of them belong beyond 1e20), its logarithm does not. Where the
// true draw exceeds the dtype's range the result is +-inf, as an exact sampler's would be.
at::Tensor StudentT::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto x = detail::randn(shape, gen, p_.loc.options());
  auto log_z = std::log(2.0) + detail::log_standard_gamma((0.5 * p_.df).expand(shape), gen);
  return p_.loc + p_.scale * x * (0.5 * (p_.df.log() - log_z)).exp();
}

at::Tensor StudentT::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto y = (value - p_.loc) / p_.scale;
  auto z = p_.scale.log() + 0.5 * p_.df.log() + 0.5 * std::log(M_PI) + at::lgamma(0.5 * p_.df) -
           at::lgamma(0.5 * (p_.df + 1.0));
  return -0.5 * (p_.df + 1.0) * (y.pow(2) / p_.df).log1p() - z;
}

at::Tensor StudentT::mean() const { return at::where(p_.df > 1, p_.loc, std::numeric_limits<double>::quiet_NaN()); }

at::Tensor StudentT::variance() const {
  auto finite = p_.scale.pow(2) * p_.df / (p_.df - 2);
  auto v = at::where(p_.df > 2, finite, std::numeric_limits<double>::infinity());
  return at::where(p_.df > 1, v, std::numeric_limits<double>::quiet_NaN());
}

at::Tensor StudentT::entropy() const {
  auto lbeta = at::lgamma(0.5 * p_.df) + std::lgamma(0.5) - at::lgamma(0.5 * (p_.df + 1));
  return p_.scale.log() + 0.5 * (p_.df + 1) * (at::digamma(0.5 * (p_.df + 1)) - at::digamma(0.5 * p_.df)) +
         0.5 * p_.df.log() + lbeta;
}

}  // namespace distributions
}  // namespace pplx
