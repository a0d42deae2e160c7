// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/delta.h>

#include <ATen/ATen.h>

#include <pplx/distributions/independent.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace distributions {

Delta::Delta(at::Tensor v, ParamArg log_density, int64_t event_dim) : Distribution({}, {}) {
  PPLX_CHECK_AS(ValueError, v.defined(), "Delta: v is undefined");
  PPLX_CHECK_AS(ShapeError, event_dim >= 0 && event_dim <= v.dim(), "Delta: event_dim ", event_dim,
                " is larger than v.dim() = ", v.dim(), " (v has shape ", shape_str(v.sizes()), ")");
  auto sizes = v.sizes();
  batch_shape_.assign(sizes.begin(), sizes.end() - event_dim);
  event_shape_.assign(sizes.end() - event_dim, sizes.end());
  p_.v = v;
  auto ld = log_density.resolve(v.options().dtype(at::isFloatingType(v.scalar_type()) ? v.scalar_type() : at::kFloat));
  if (ld.sizes() != c10::IntArrayRef(batch_shape_)) {
    try {
      ld = ld.expand(batch_shape_);
    } catch (const c10::Error&) {
      throw ShapeError("Delta: log_density of shape ", shape_str(ld.sizes()), " does not broadcast to batch_shape ",
                       shape_str(batch_shape_));
    }
  }
  p_.log_density = ld;
  if (is_validation_enabled()) {
    auto bad = (ld == ld).logical_not();  // real: only NaN is rejected
    PPLX_CHECK_AS(ValueError, !bad.any().item<bool>(), "Delta: parameter 'log_density' of shape ",
                  shape_str(ld.sizes()), " violates constraint real (", bad.sum().item<int64_t>(), " of ", bad.numel(),
                  " elements are nan)");
  }
}

at::Tensor Delta::rsample(c10::IntArrayRef sample_shape, Generator) const {
  return p_.v.expand(extended_shape(sample_shape));
}

at::Tensor Delta::log_prob(const at::Tensor& x) const {
  validate_sample(x);
  auto lp = (x == p_.v).to(x.is_floating_point() ? x.scalar_type() : p_.log_density.scalar_type()).log();
  return sum_rightmost(lp, event_dim()) + p_.log_density;
}

at::Tensor Delta::variance() const { return at::zeros_like(p_.v); }

constraints::ConstraintPtr Delta::support() const { return constraints::independent(constraints::real, event_dim()); }

DistPtr Delta::to(const at::TensorOptions& options) const {
  auto d = std::make_shared<Delta>(*this);
  // v keeps its dtype unless one is asked for (a Delta may hold integer values).
  d->p_.v = p_.v.to(options);
  d->p_.log_density = p_.log_density.to(options);
  return d;
}

DistPtr Delta::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::shared_ptr<Delta>(new Delta());
  Shape full(batch_shape.begin(), batch_shape.end());
  full.insert(full.end(), event_shape_.begin(), event_shape_.end());
  try {
    d->p_.v = p_.v.expand(full);
    d->p_.log_density = p_.log_density.expand(batch_shape);
  } catch (const c10::Error&) {
    throw ShapeError("Delta.expand(", shape_str(batch_shape), "): cannot expand batch_shape ", shape_str(batch_shape_));
  }
  d->batch_shape_ = batch_shape.vec();
  d->event_shape_ = event_shape_;
  return d;
}

}  // namespace distributions
}  // namespace pplx
