// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/exponential.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Exponential, ExponentialParams>;

Exponential::Exponential(ParamArg rate)
    : Exponential(ExponentialParams{rate.resolve(ParamArg::common_options({&rate}))}) {}

Exponential::Exponential(ExponentialParams params) : Parametric("Exponential", std::move(params)) {}

at::Tensor Exponential::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  return detail::exponential(extended_shape(sample_shape), gen, p_.rate.options()) / p_.rate;
}

at::Tensor Exponential::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  return p_.rate.log() - p_.rate * value;
}

}  // namespace distributions
}  // namespace pplx
