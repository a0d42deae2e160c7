// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/cauchy.h>

#include <cmath>
#include <limits>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Cauchy, CauchyParams>;

Cauchy::Cauchy(ParamArg loc, ParamArg scale)
    : Cauchy([&] {
        auto opts = ParamArg::common_options({&loc, &scale});
        return CauchyParams{loc.resolve(opts), scale.resolve(opts)};
      }()) {}

Cauchy::Cauchy(CauchyParams params) : Parametric("Cauchy", std::move(params)) {}

at::Tensor Cauchy::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return p_.loc + detail::cauchy(extended_shape(sample_shape), gen, p_.loc.options()) * p_.scale;
}

at::Tensor Cauchy::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  return -std::log(M_PI) - p_.scale.log() - ((value - p_.loc) / p_.scale).pow(2).log1p();
}

at::Tensor Cauchy::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), p_.loc.options());
}
at::Tensor Cauchy::variance() const {
  return at::full(batch_shape(), std::numeric_limits<double>::infinity(), p_.loc.options());
}
at::Tensor Cauchy::entropy() const { return std::log(4 * M_PI) + p_.scale.log(); }

}  // namespace distributions
}  // namespace pplx
