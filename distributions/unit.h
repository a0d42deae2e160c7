// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// Pyro's Unit: a placeholder with empty event shape [0] whose log_prob is `log_factor`.
/// Used by pplx::factor to add a term to a model's log density.
class Unit : public Distribution {
 public:
  explicit Unit(at::Tensor log_factor);
  std::string name() const override { return "Unit"; }
  DistPtr clone() const override { return std::make_shared<Unit>(*this); }
  at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;
  const at::Tensor& log_factor() const { return log_factor_; }

 private:
  at::Tensor log_factor_;
};

}  // namespace distributions
}  // namespace pplx
