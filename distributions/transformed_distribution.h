// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include <pplx/distributions/distribution.h>
#include <pplx/distributions/transforms.h>

namespace pplx {
namespace distributions {

/// The distribution of y = t_n(...t_1(x)) for x ~ `base`: log_prob(y) = base.log_prob(x) minus the
/// transforms' log|det J| (torch's TransformedDistribution). Reparameterized when base is.
/// mean, variance and entropy are not defined.
///
///   auto log_normal = dist::TransformedDistribution(dist::Normal(0.0, 1.0).clone(), {transforms::exp()});
class TransformedDistribution : public Distribution {
 public:
  TransformedDistribution(DistPtr base, std::vector<transforms::TransformPtr> transforms);

  std::string name() const override { return "TransformedDistribution"; }
  DistPtr clone() const override { return std::make_shared<TransformedDistribution>(*this); }
  bool has_rsample() const override { return base_->has_rsample(); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  constraints::ConstraintPtr support() const override;
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  /// The base distribution (after the expand/to_event the transforms' event dims require).
  const DistPtr& base_dist() const { return base_; }
  const std::vector<transforms::TransformPtr>& transforms() const { return transforms_; }

 private:
  DistPtr base_;
  std::vector<transforms::TransformPtr> transforms_;
};

}  // namespace distributions
}  // namespace pplx
