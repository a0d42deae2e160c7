// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/bernoulli.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {
namespace {
BernoulliParams exactly_one(BernoulliParams p) {
  PPLX_CHECK_AS(ValueError, p.probs.defined() != p.logits.defined(),
                "Bernoulli: give exactly one of probs or logits (use Bernoulli::with_probs / with_logits)");
  return p;
}
}  // namespace

template class detail::Parametric<Bernoulli, BernoulliParams>;

Bernoulli::Bernoulli(ParamArg probs) : Bernoulli(with_probs(std::move(probs))) {}

// Only the given form is validated (as torch validates only what was passed); the other is
// derived afterwards with torch's formulas (logits from clamped probs, probs = sigmoid(logits)).
Bernoulli::Bernoulli(BernoulliParams params) : Parametric("Bernoulli", exactly_one(std::move(params))) {
  if (p_.probs.defined()) {
    auto c = detail::clamp_probs(p_.probs);
    p_.logits = c.log() - (-c).log1p();
  } else {
    p_.probs = at::sigmoid(p_.logits);
  }
}

Bernoulli Bernoulli::with_probs(ParamArg probs) {
  return Bernoulli(BernoulliParams{probs.resolve(ParamArg::common_options({&probs})), {}});
}
Bernoulli Bernoulli::with_logits(ParamArg logits) {
  return Bernoulli(BernoulliParams{{}, logits.resolve(ParamArg::common_options({&logits}))});
}

at::Tensor Bernoulli::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  return detail::bernoulli(p_.probs.expand(extended_shape(sample_shape)), gen);
}

at::Tensor Bernoulli::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto v = value.scalar_type() == p_.logits.scalar_type() ? value : value.to(p_.logits.scalar_type());
  auto both = at::broadcast_tensors({p_.logits, v});
  return -at::binary_cross_entropy_with_logits(both[0], both[1], {}, {}, at::Reduction::None);
}

at::Tensor Bernoulli::entropy() const {
  return at::binary_cross_entropy_with_logits(p_.logits, p_.probs, {}, {}, at::Reduction::None);
}

}  // namespace distributions
}  // namespace pplx
