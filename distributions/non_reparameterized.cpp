// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/non_reparameterized.h>

#include <pplx/error.h>

namespace pplx {
namespace distributions {

NonReparameterized::NonReparameterized(DistPtr base)
    : Distribution(Shape(base ? base->batch_shape().vec() : Shape()),
                   Shape(base ? base->event_shape().vec() : Shape())),
      base_(std::move(base)) {
  PPLX_CHECK_AS(ValueError, base_ != nullptr, "with_rsample(false): base distribution is null");
}

// The base's own sample() already detaches (Distribution::sample is rsample().detach()); a
// detach here as well keeps the promise for a base whose sample() would carry a gradient.
at::Tensor NonReparameterized::sample(c10::IntArrayRef s, Generator gen) const {
  return base_->sample(s, std::move(gen)).detach();
}

DistPtr NonReparameterized::expand(c10::IntArrayRef batch_shape) const {
  return std::make_shared<NonReparameterized>(base_->expand(batch_shape));
}

DistPtr NonReparameterized::to(const at::TensorOptions& options) const {
  return std::make_shared<NonReparameterized>(base_->to(options));
}

}  // namespace distributions
}  // namespace pplx
