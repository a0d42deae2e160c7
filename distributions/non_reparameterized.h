// SPDX-License-Identifier: Apache-2.0
// NonReparameterized: the distribution behind `d.with_rsample(false)` (Pyro's has_rsample_(False)).
#pragma once

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// `base` with reparameterized sampling switched off: has_rsample() is false, sample() draws
/// without a gradient through the value and rsample() throws, so TraceELBO estimates the site's
/// gradient with the score-function estimator. Everything else (log_prob, support, moments,
/// shapes) is the base's; expand() and to() keep the switch. Usually made with
/// `d.with_rsample(false)`; Pyro's `has_rsample_(False)`, for sites whose value decides
/// downstream control flow discontinuously.
///
///   pplx::sample("z", dist::Normal(loc, 1.0).with_rsample(false));   // score-function gradients
class NonReparameterized : public Distribution {
 public:
  /// Throws pplx::ValueError when `base` is null.
  explicit NonReparameterized(DistPtr base);

  std::string name() const override { return base_->name(); }
  DistPtr clone() const override { return std::make_shared<NonReparameterized>(*this); }
  bool has_rsample() const override { return false; }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override { return base_->log_prob(value); }
  at::Tensor mean() const override { return base_->mean(); }
  at::Tensor variance() const override { return base_->variance(); }
  at::Tensor entropy() const override { return base_->entropy(); }
  constraints::ConstraintPtr support() const override { return base_->support(); }
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  /// The distribution whose sampler was switched off.
  const DistPtr& base_dist() const { return base_; }

 private:
  DistPtr base_;
};

}  // namespace distributions
}  // namespace pplx
