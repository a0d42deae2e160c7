// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// A mixture of K components of one family: `mixture_distribution` is a Categorical over K with
/// batch_shape B; `component_distribution` has batch_shape B + [K] (B broadcasts) and gives each
/// component. The mixture has batch_shape B and the components' event_shape. Not reparameterized.
///
///   auto mix = dist::Categorical(torch::tensor({0.3, 0.7}));
///   auto comp = dist::Normal(torch::tensor({-1.0, 2.0}), torch::tensor({0.5, 1.0}));
///   auto gmm = dist::MixtureSameFamily(mix.clone(), comp.clone());   // batch [], event []
class MixtureSameFamily : public Distribution {
 public:
  MixtureSameFamily(DistPtr mixture_distribution, DistPtr component_distribution);

  std::string name() const override { return "MixtureSameFamily"; }
  DistPtr clone() const override { return std::make_shared<MixtureSameFamily>(*this); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  /// logsumexp over components of log mixture weight + component log_prob.
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  /// Law of total variance: E[Var] + Var[E] over the components.
  at::Tensor variance() const override;
  constraints::ConstraintPtr support() const override { return component_->support(); }
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  const DistPtr& mixture_distribution() const { return mixture_; }
  const DistPtr& component_distribution() const { return component_; }

 private:
  /// Mixture weights [B..., K] padded with event dims to broadcast against component moments.
  at::Tensor padded_probs() const;
  DistPtr mixture_;
  DistPtr component_;
};

}  // namespace distributions
}  // namespace pplx
