// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/dirichlet.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<Dirichlet, DirichletParams>;

Dirichlet::Dirichlet(at::Tensor concentration) : Dirichlet(DirichletParams{std::move(concentration)}) {}

Dirichlet::Dirichlet(DirichletParams params) : Parametric("Dirichlet", std::move(params)) {
  event_shape_ = {p_.concentration.size(-1)};
}

// Normalized Gamma(c_k, 1) draws, formed as softmax(log g): for small concentrations the gamma
// draws underflow (Dirichlet([1e-3, 1e-3]) put 84 % of float32 draws at exactly [0.5, 0.5]),
// their logarithms do not. The gamma sampler's implicit gradient and the boost's pathwise one
// make this a reparameterized sample. Clamped away from 0 (as torch does) so that log_prob stays
// finite where a component underflows.
at::Tensor Dirichlet::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto log_g = detail::log_standard_gamma(p_.concentration.expand(extended_shape(sample_shape)), gen);
  auto x = at::softmax(log_g, -1);
  return x.clamp_min(detail::finfo_tiny(x.scalar_type()));
}

at::Tensor Dirichlet::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  const auto& c = p_.concentration;
  return at::xlogy(c - 1.0, value).sum(-1) + at::lgamma(c.sum(-1)) - at::lgamma(c).sum(-1);
}

at::Tensor Dirichlet::mean() const { return p_.concentration / p_.concentration.sum(-1, true); }

at::Tensor Dirichlet::variance() const {
  auto total = p_.concentration.sum(-1, true);
  return p_.concentration * (total - p_.concentration) / (total.pow(2) * (total + 1));
}

at::Tensor Dirichlet::entropy() const {
  const auto& c = p_.concentration;
  const double k = static_cast<double>(c.size(-1));
  auto a0 = c.sum(-1);
  return at::lgamma(c).sum(-1) - at::lgamma(a0) - (k - a0) * at::digamma(a0) - ((c - 1.0) * at::digamma(c)).sum(-1);
}

}  // namespace distributions
}  // namespace pplx
