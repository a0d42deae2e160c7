// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/independent.h>

#include <vector>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace distributions {

at::Tensor sum_rightmost(const at::Tensor& t, int64_t n) {
  // One reduction over the trailing dims (torch reshapes then sums: two ops and two backward
  // nodes); as in torch, a tensor with fewer than n dims is summed entirely.
  const int64_t k = std::min<int64_t>(n, t.dim());
  if (k <= 0) return t;
  std::vector<int64_t> dims(k);
  for (int64_t i = 0; i < k; ++i) dims[i] = t.dim() - k + i;
  return t.sum(dims);
}

Independent::Independent(DistPtr base, int64_t n) : Distribution({}, {}), base_(std::move(base)), n_(n) {
  PPLX_CHECK_AS(ValueError, base_ != nullptr, "Independent: base distribution is null");
  const auto bs = base_->batch_shape();
  PPLX_CHECK_AS(ShapeError, n >= 0 && n <= static_cast<int64_t>(bs.size()), "to_event(", n, ") on ", base_->name(),
                " with batch_shape ", shape_str(bs), ": can reinterpret at most ", bs.size(),
                " batch dims; put the distribution inside a plate or expand() it first, or use a smaller n");
  batch_shape_.assign(bs.begin(), bs.end() - n);
  event_shape_.assign(bs.end() - n, bs.end());
  const auto es = base_->event_shape();
  event_shape_.insert(event_shape_.end(), es.begin(), es.end());
}

at::Tensor Independent::sample(c10::IntArrayRef s, Generator gen) const { return base_->sample(s, std::move(gen)); }
at::Tensor Independent::rsample(c10::IntArrayRef s, Generator gen) const { return base_->rsample(s, std::move(gen)); }
// The base checks the value against its own (batch) shape, where a value [2, 1] broadcasts with
// batch [2] and the sum below would silently add up four terms: check the event shape first.
at::Tensor Independent::log_prob(const at::Tensor& value) const {
  validate_sample_shape(value);
  return sum_rightmost(base_->log_prob(value), n_);
}
at::Tensor Independent::entropy() const { return sum_rightmost(base_->entropy(), n_); }
constraints::ConstraintPtr Independent::support() const { return constraints::independent(base_->support(), n_); }

DistPtr Independent::expand(c10::IntArrayRef batch_shape) const {
  Shape base_batch(batch_shape.begin(), batch_shape.end());
  base_batch.insert(base_batch.end(), event_shape_.begin(), event_shape_.begin() + n_);
  return std::make_shared<Independent>(base_->expand(base_batch), n_);
}

DistPtr Independent::to(const at::TensorOptions& options) const {
  return std::make_shared<Independent>(base_->to(options), n_);
}

}  // namespace distributions
}  // namespace pplx
