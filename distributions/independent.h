// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// Reinterprets the rightmost `reinterpreted_batch_ndims` batch dims of `base` as event dims:
/// log_prob sums over them. Usually made with `d.to_event(n)`.
///
///   auto w = dist::Normal(torch::zeros({3}), 1.0).to_event(1);  // batch [], event [3]
class Independent : public Distribution {
 public:
  Independent(DistPtr base, int64_t reinterpreted_batch_ndims);

  std::string name() const override { return "Independent"; }
  DistPtr clone() const override { return std::make_shared<Independent>(*this); }
  bool has_rsample() const override { return base_->has_rsample(); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return base_->mean(); }
  at::Tensor variance() const override { return base_->variance(); }
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override;
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  const DistPtr& base_dist() const { return base_; }
  int64_t reinterpreted_batch_ndims() const { return n_; }

 private:
  DistPtr base_;
  int64_t n_;
};

/// Sums the rightmost `n` dims of `t` (torch.distributions.utils._sum_rightmost).
at::Tensor sum_rightmost(const at::Tensor& t, int64_t n);

}  // namespace distributions
}  // namespace pplx
