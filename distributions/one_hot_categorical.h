// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/distributions/categorical.h>

namespace pplx {
namespace distributions {

/// A categorical distribution whose values are one-hot vectors of length K (event_shape [K]),
/// given by probs or logits like Categorical. Samples have the parameters' floating dtype.
///
///   auto d = dist::OneHotCategorical(torch::tensor({0.2, 0.8}));
///   d.sample();   // e.g. [0., 1.]
class OneHotCategorical : public detail::Parametric<OneHotCategorical, CategoricalParams> {
 public:
  explicit OneHotCategorical(at::Tensor probs);
  /// Exactly one of params.probs / params.logits must be defined.
  explicit OneHotCategorical(CategoricalParams params);
  static OneHotCategorical with_probs(at::Tensor probs);
  static OneHotCategorical with_logits(at::Tensor logits);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.probs; }
  at::Tensor variance() const override { return p_.probs * (1 - p_.probs); }
  at::Tensor entropy() const override { return detail::categorical_entropy(p_); }
  constraints::ConstraintPtr support() const override { return constraints::one_hot; }

  const at::Tensor& probs() const { return p_.probs; }
  const at::Tensor& logits() const { return p_.logits; }
  int64_t num_events() const { return p_.logits.size(-1); }
};

extern template class detail::Parametric<OneHotCategorical, CategoricalParams>;

}  // namespace distributions
}  // namespace pplx
