// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// The parameters of Categorical and OneHotCategorical: both forms, over the last dim (K
/// categories), broadcast to the batch shape. probs are normalized to sum to 1 and logits to
/// logsumexp 0; the form not given is derived.
struct CategoricalParams {
  BOOST_HANA_DEFINE_STRUCT(CategoricalParams, (Param<constraints::simplex>, probs),
                           (Param<constraints::real_vector>, logits));
};

/// A categorical distribution over {0, ..., K-1}, given by probs (nonnegative, normalized over the
/// last dim, need not sum to 1) or logits (unnormalized log-probabilities). Values must have an
/// integer dtype (torch::kLong); samples are int64. mean and variance are NaN (as torch).
///
///   auto d = dist::Categorical(torch::tensor({0.2, 0.3, 0.5}));   // probs, batch_shape []
///   auto e = dist::Categorical::with_logits(net->forward(x));       // batch_shape [N]
class Categorical : public detail::Parametric<Categorical, CategoricalParams> {
 public:
  explicit Categorical(at::Tensor probs);
  /// Exactly one of params.probs / params.logits must be defined.
  explicit Categorical(CategoricalParams params);
  static Categorical with_probs(at::Tensor probs);
  static Categorical with_logits(at::Tensor logits);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override;

  const at::Tensor& probs() const { return p_.probs; }
  const at::Tensor& logits() const { return p_.logits; }
  /// K, the number of categories.
  int64_t num_events() const { return p_.logits.size(-1); }
};

extern template class detail::Parametric<Categorical, CategoricalParams>;

namespace detail {
// Shared by Categorical and OneHotCategorical (implemented in categorical.cpp).
CategoricalParams normalize_categorical(CategoricalParams p, const char* family);
void complete_categorical(CategoricalParams& p);
at::Tensor categorical_sample(const at::Tensor& probs, c10::IntArrayRef sample_shape, c10::IntArrayRef batch_shape,
                              const Generator& gen);
at::Tensor categorical_log_prob(const at::Tensor& logits, const at::Tensor& indices);
at::Tensor categorical_entropy(const CategoricalParams& p);
}  // namespace detail

}  // namespace distributions
}  // namespace pplx
