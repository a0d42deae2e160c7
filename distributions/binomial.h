// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Binomial's parameters: total_count and both forms of the success probability, broadcast to its
/// batch shape (the form not given is derived).
struct BinomialParams {
  BOOST_HANA_DEFINE_STRUCT(BinomialParams, (Param<constraints::nonnegative_integer>, total_count),
                           (Param<constraints::unit_interval>, probs), (Param<constraints::real>, logits));
};

/// Number of successes in `total_count` trials (a nonnegative integer, possibly batched), given
/// probs or logits. Values may be whole-number floats or integers. entropy() requires the same
/// total_count everywhere (as torch).
///
///   auto d = dist::Binomial(10, 0.3);
///   auto e = dist::Binomial::with_logits(torch::tensor({4.0, 6.0}), torch::zeros({2}));
class Binomial : public detail::Parametric<Binomial, BinomialParams> {
 public:
  Binomial(ParamArg total_count, ParamArg probs);
  /// params.total_count and exactly one of params.probs / params.logits must be defined.
  explicit Binomial(BinomialParams params);
  static Binomial with_probs(ParamArg total_count, ParamArg probs);
  static Binomial with_logits(ParamArg total_count, ParamArg logits);

  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.total_count * p_.probs; }
  at::Tensor variance() const override { return p_.total_count * p_.probs * (1 - p_.probs); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override;

  const at::Tensor& total_count() const { return p_.total_count; }
  const at::Tensor& probs() const { return p_.probs; }
  const at::Tensor& logits() const { return p_.logits; }
};

extern template class detail::Parametric<Binomial, BinomialParams>;

}  // namespace distributions
}  // namespace pplx
