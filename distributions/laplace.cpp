// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/laplace.h>

#include <cmath>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Laplace, LaplaceParams>;

Laplace::Laplace(ParamArg loc, ParamArg scale)
    : Laplace([&] {
        auto opts = ParamArg::common_options({&loc, &scale});
        return LaplaceParams{loc.resolve(opts), scale.resolve(opts)};
      }()) {}

Laplace::Laplace(LaplaceParams params) : Parametric("Laplace", std::move(params)) {}

// Inverse CDF of u ~ Uniform(eps - 1, 1), as torch: the open lower end keeps log1p(-|u|) finite.
at::Tensor Laplace::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  const double eps = detail::finfo_eps(p_.loc.scalar_type());
  auto u = detail::uniform(extended_shape(sample_shape), eps - 1, 1, gen, p_.loc.options());
  return p_.loc - p_.scale * u.sign() * (-u.abs()).log1p();
}

at::Tensor Laplace::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  return -(2 * p_.scale).log() - (value - p_.loc).abs() / p_.scale;
}

at::Tensor Laplace::entropy() const { return 1 + (2 * p_.scale).log(); }

}  // namespace distributions
}  // namespace pplx
