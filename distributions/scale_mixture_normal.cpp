// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/scale_mixture_normal.h>

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<ScaleMixtureNormal, ScaleMixtureNormalParams>;

ScaleMixtureNormal::ScaleMixtureNormal(ParamArg loc, ParamArg scale1, ParamArg scale2, ParamArg pi)
    : ScaleMixtureNormal([&] {
        auto opts = ParamArg::common_options({&loc, &scale1, &scale2, &pi});
        return ScaleMixtureNormalParams{loc.resolve(opts), scale1.resolve(opts), scale2.resolve(opts),
                                        pi.resolve(opts)};
      }()) {}

ScaleMixtureNormal::ScaleMixtureNormal(ScaleMixtureNormalParams params)
    : Parametric("ScaleMixtureNormal", std::move(params)) {}

at::Tensor ScaleMixtureNormal::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  c10::NoGradGuard no_grad;
  auto shape = extended_shape(sample_shape);
  auto first = detail::bernoulli(p_.pi.expand(shape), gen).to(at::kBool);
  auto eps = detail::randn(shape, gen, p_.loc.options());
  return p_.loc + at::where(first, p_.scale1, p_.scale2) * eps;
}

// log(pi N1 + (1 - pi) N2) = logsumexp(log pi + log N1, log(1 - pi) + log N2): exact, and stable
// when one component's density underflows (a narrow spike far from the value).
at::Tensor ScaleMixtureNormal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const double half_log_2pi = 0.5 * std::log(2 * M_PI);
  auto d = value - p_.loc;
  auto lp1 = p_.pi.log() - d.pow(2) / (2 * p_.scale1.pow(2)) - p_.scale1.log() - half_log_2pi;
  auto lp2 = (-p_.pi).log1p() - d.pow(2) / (2 * p_.scale2.pow(2)) - p_.scale2.log() - half_log_2pi;
  return at::logsumexp(at::stack(at::broadcast_tensors({lp1, lp2}), -1), -1);
}

at::Tensor ScaleMixtureNormal::variance() const { return p_.pi * p_.scale1.pow(2) + (1 - p_.pi) * p_.scale2.pow(2); }

}  // namespace distributions
}  // namespace pplx
