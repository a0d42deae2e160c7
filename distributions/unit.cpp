// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/unit.h>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

namespace pplx {
namespace distributions {

Unit::Unit(at::Tensor log_factor) : Distribution(log_factor.sizes().vec(), {0}), log_factor_(std::move(log_factor)) {}

at::Tensor Unit::sample(c10::IntArrayRef sample_shape, Generator) const {
  return log_factor_.new_empty(extended_shape(sample_shape));
}

at::Tensor Unit::log_prob(const at::Tensor& value) const {
  auto batch = at::infer_size(batch_shape(), value.sizes().slice(0, value.dim() - 1));
  return log_factor_.expand(batch);
}

DistPtr Unit::expand(c10::IntArrayRef batch_shape) const {
  return std::make_shared<Unit>(log_factor_.expand(batch_shape));
}

DistPtr Unit::to(const at::TensorOptions& options) const { return std::make_shared<Unit>(log_factor_.to(options)); }

}  // namespace distributions
}  // namespace pplx
