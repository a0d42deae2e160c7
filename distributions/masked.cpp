// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/masked.h>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

#include <pplx/error.h>

namespace pplx {
namespace distributions {

MaskedDistribution::MaskedDistribution(DistPtr base, at::Tensor mask)
    : Distribution({}, {}), base_(std::move(base)), mask_(std::move(mask)) {
  PPLX_CHECK_AS(ValueError, base_ != nullptr, "mask(): base distribution is null");
  PPLX_CHECK_AS(ValueError, mask_.defined() && mask_.scalar_type() == at::kBool, base_->name(),
                ".mask(): mask must be a bool tensor, got ",
                mask_.defined() ? c10::toString(mask_.scalar_type()) : "undefined");
  try {
    batch_shape_ = at::infer_size(mask_.sizes(), base_->batch_shape());
  } catch (const c10::Error&) {
    throw ShapeError(base_->name(), ".mask(): mask of shape ", shape_str(mask_.sizes()),
                     " does not broadcast with batch_shape ", shape_str(base_->batch_shape()));
  }
  event_shape_ = base_->event_shape().vec();
  if (mask_.sizes() != c10::IntArrayRef(batch_shape_)) mask_ = mask_.expand(batch_shape_);
  if (base_->batch_shape() != c10::IntArrayRef(batch_shape_)) base_ = base_->expand(batch_shape_);
}

at::Tensor MaskedDistribution::sample(c10::IntArrayRef s, Generator gen) const {
  return base_->sample(s, std::move(gen));
}
at::Tensor MaskedDistribution::rsample(c10::IntArrayRef s, Generator gen) const {
  return base_->rsample(s, std::move(gen));
}
at::Tensor MaskedDistribution::log_prob(const at::Tensor& value) const {
  auto lp = base_->log_prob(value);
  return at::where(mask_, lp, at::zeros({}, lp.options()));
}
DistPtr MaskedDistribution::expand(c10::IntArrayRef batch_shape) const {
  return std::make_shared<MaskedDistribution>(base_->expand(batch_shape), mask_.expand(batch_shape));
}
DistPtr MaskedDistribution::to(const at::TensorOptions& options) const {
  // The mask keeps its bool dtype; only the device follows `options`.
  auto mask = options.has_device() ? mask_.to(options.device()) : mask_;
  return std::make_shared<MaskedDistribution>(base_->to(options), mask);
}

}  // namespace distributions
}  // namespace pplx
