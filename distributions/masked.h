// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// Pyro's MaskedDistribution: log_prob is zero wherever the bool `mask` is false.
/// Usually made with `d.mask(m)`. The batch shape is broadcast(mask.shape, base.batch_shape).
class MaskedDistribution : public Distribution {
 public:
  MaskedDistribution(DistPtr base, at::Tensor mask);

  std::string name() const override { return "Masked"; }
  DistPtr clone() const override { return std::make_shared<MaskedDistribution>(*this); }
  bool has_rsample() const override { return base_->has_rsample(); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return base_->mean(); }
  at::Tensor variance() const override { return base_->variance(); }
  constraints::ConstraintPtr support() const override { return base_->support(); }
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  const DistPtr& base_dist() const { return base_; }
  const at::Tensor& mask_tensor() const { return mask_; }

 private:
  DistPtr base_;
  at::Tensor mask_;
};

}  // namespace distributions
}  // namespace pplx
