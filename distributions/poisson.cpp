// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/poisson.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Poisson, PoissonParams>;

Poisson::Poisson(ParamArg rate) : Poisson(PoissonParams{rate.resolve(ParamArg::common_options({&rate}))}) {}

Poisson::Poisson(PoissonParams params) : Parametric("Poisson", std::move(params)) {}

at::Tensor Poisson::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  return detail::poisson(p_.rate.expand(extended_shape(sample_shape)), gen);
}

// xlogy gives 0 * log(0) = 0, so rate 0 scores log_prob(0) = 0 and -inf for k > 0.
at::Tensor Poisson::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto k = value.is_floating_point() ? value : value.to(p_.rate.scalar_type());
  return at::xlogy(k, p_.rate) - p_.rate - at::lgamma(k + 1);
}

}  // namespace distributions
}  // namespace pplx
