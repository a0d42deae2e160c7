// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/normal.h>

#include <cmath>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Normal, NormalParams>;

Normal::Normal(ParamArg loc, ParamArg scale)
    : Normal([&] {
        auto opts = ParamArg::common_options({&loc, &scale});
        return NormalParams{loc.resolve(opts), scale.resolve(opts)};
      }()) {}

Normal::Normal(NormalParams params) : Parametric("Normal", std::move(params)) {}

at::Tensor Normal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return p_.loc + detail::randn(extended_shape(sample_shape), gen, p_.loc.options()) * p_.scale;
}

at::Tensor Normal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const double half_log_2pi = 0.5 * std::log(2 * M_PI);
  return -(value - p_.loc).pow(2) / (2 * p_.scale.pow(2)) - p_.scale.log() - half_log_2pi;
}

at::Tensor Normal::entropy() const { return 0.5 + 0.5 * std::log(2 * M_PI) + p_.scale.log(); }

}  // namespace distributions
}  // namespace pplx
