// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/uniform.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Uniform, UniformParams>;

Uniform::Uniform(ParamArg low, ParamArg high)
    : Uniform([&] {
        auto opts = ParamArg::common_options({&low, &high});
        return UniformParams{low.resolve(opts), high.resolve(opts)};
      }()) {}

// low and high constrain each other, so the base checks neither and the constructor checks
// low < high (which also rejects NaN).
Uniform::Uniform(UniformParams params) : Parametric("Uniform", std::move(params)) {
  if (!is_validation_enabled()) return;
  auto bad = (p_.low < p_.high).logical_not();
  if (bad.any().item<bool>()) {
    throw ValueError("Uniform: parameter 'low' must be < 'high' elementwise (batch_shape ", shape_str(batch_shape()),
                     "; ", bad.sum().item<int64_t>(), " of ", bad.numel(),
                     " elements violate it, e.g. low = ", p_.low.masked_select(bad)[0].item<double>(),
                     ", high = ", p_.high.masked_select(bad)[0].item<double>(), ")");
  }
}

at::Tensor Uniform::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto u = detail::rand(extended_shape(sample_shape), gen, p_.low.options());
  return p_.low + u * (p_.high - p_.low);
}

at::Tensor Uniform::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto inside = p_.low.le(value).logical_and(p_.high.gt(value)).to(p_.low.scalar_type());
  return inside.log() - (p_.high - p_.low).log();
}

constraints::ConstraintPtr Uniform::support() const { return constraints::interval(p_.low, p_.high); }

}  // namespace distributions
}  // namespace pplx
