// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Bernoulli's parameters: both forms, broadcast to its batch shape (the one not given is derived).
struct BernoulliParams {
  BOOST_HANA_DEFINE_STRUCT(BernoulliParams, (Param<constraints::unit_interval>, probs),
                           (Param<constraints::real>, logits));
};

/// Bernoulli over {0, 1}, given by probs or by logits. Values are 0/1 floats (or bool/integer
/// tensors, converted); samples have the parameters' floating dtype. As in torch, probs exactly
/// 0 or 1 are clamped to [eps, 1 - eps] for log_prob, so impossible outcomes score log(eps)
/// (-15.94 in float32, -36.04 in float64) instead of -inf: pplx keeps torch's choice so that a
/// probability that saturates in float arithmetic (sigmoid of a large logit) gives a large finite
/// loss, not one that stops SVI. The gradient at the clamp is zero, so it stays finite, masked or
/// not. Exact log-probabilities near 0 and 1: give logits.
///
///   auto d = dist::Bernoulli(0.3);                       // probs
///   auto e = dist::Bernoulli::with_logits(torch::zeros({3}));
class Bernoulli : public detail::Parametric<Bernoulli, BernoulliParams> {
 public:
  explicit Bernoulli(ParamArg probs);
  /// Exactly one of params.probs / params.logits must be defined.
  explicit Bernoulli(BernoulliParams params);
  static Bernoulli with_probs(ParamArg probs);
  static Bernoulli with_logits(ParamArg logits);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.probs; }
  at::Tensor variance() const override { return p_.probs * (1 - p_.probs); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::boolean; }

  const at::Tensor& probs() const { return p_.probs; }
  const at::Tensor& logits() const { return p_.logits; }
};

extern template class detail::Parametric<Bernoulli, BernoulliParams>;

}  // namespace distributions
}  // namespace pplx
