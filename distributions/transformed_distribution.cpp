// SPDX-License-Identifier: Apache-2.0
// Follows torch.distributions.TransformedDistribution (torch 1.13).
#include <pplx/distributions/transformed_distribution.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/independent.h>
#include <pplx/error.h>

namespace pplx {
namespace distributions {

TransformedDistribution::TransformedDistribution(DistPtr base, std::vector<transforms::TransformPtr> ts)
    : Distribution({}, {}), base_(std::move(base)), transforms_(std::move(ts)) {
  PPLX_CHECK_AS(ValueError, base_ != nullptr, "TransformedDistribution: base distribution is null");
  for (const auto& t : transforms_)
    PPLX_CHECK_AS(ValueError, t != nullptr, "TransformedDistribution: a transform is null");
  transforms::ComposeTransform chain(transforms_);
  Shape base_shape = base_->batch_shape().vec();
  const auto bes = base_->event_shape();
  base_shape.insert(base_shape.end(), bes.begin(), bes.end());
  const int64_t base_event_dim = static_cast<int64_t>(bes.size());
  const int64_t domain_event_dim = chain.domain_event_dim();
  PPLX_CHECK_AS(ShapeError, static_cast<int64_t>(base_shape.size()) >= domain_event_dim,
                "TransformedDistribution: base ", base_->name(), " of shape ", shape_str(base_shape),
                " has fewer dims than the transforms' domain event dim ", domain_event_dim);
  const Shape forward_shape = chain.forward_shape(base_shape);
  const Shape expanded_base_shape = chain.inverse_shape(forward_shape);
  if (expanded_base_shape != base_shape) {
    // A transform with batched parameters (e.g. affine with a [3] loc) widens the batch.
    Shape base_batch(expanded_base_shape.begin(), expanded_base_shape.end() - base_event_dim);
    base_ = base_->expand(base_batch);
  }
  // The transforms may read more trailing dims as one event than the base does.
  const int64_t reinterpreted = domain_event_dim - base_event_dim;
  if (reinterpreted > 0) base_ = base_->to_event(reinterpreted);
  const int64_t change = chain.codomain_event_dim() - domain_event_dim;
  const int64_t event_dim = std::max(chain.codomain_event_dim(), base_event_dim + change);
  const size_t cut = forward_shape.size() - static_cast<size_t>(event_dim);
  batch_shape_.assign(forward_shape.begin(), forward_shape.begin() + cut);
  event_shape_.assign(forward_shape.begin() + cut, forward_shape.end());
}

at::Tensor TransformedDistribution::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  c10::NoGradGuard no_grad;
  at::Tensor x = base_->sample(sample_shape, std::move(gen));
  for (const auto& t : transforms_) x = t->forward(x);
  return x;
}

at::Tensor TransformedDistribution::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  at::Tensor x = base_->rsample(sample_shape, std::move(gen));
  for (const auto& t : transforms_) x = t->forward(x);
  return x;
}

// Walks the transforms backwards, subtracting each log|det J| summed over the event dims it
// does not already sum, then adds the base log density.
at::Tensor TransformedDistribution::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  int64_t ed = event_dim();
  at::Tensor lp;
  at::Tensor y = value;
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) {
    const auto& t = *it;
    at::Tensor x = t->inverse(y);
    ed += t->domain_event_dim() - t->codomain_event_dim();
    auto term = sum_rightmost(t->log_abs_det_jacobian(x, y), ed - t->domain_event_dim());
    lp = lp.defined() ? lp - term : -term;
    y = x;
  }
  auto base_lp = sum_rightmost(base_->log_prob(y), ed - base_->event_dim());
  return lp.defined() ? lp + base_lp : base_lp;
}

constraints::ConstraintPtr TransformedDistribution::support() const {
  if (transforms_.empty()) return base_->support();
  auto c = transforms_.back()->codomain();
  const int64_t extra = event_dim() - c->event_dim();
  return extra > 0 ? constraints::independent(c, extra) : c;
}

DistPtr TransformedDistribution::expand(c10::IntArrayRef batch_shape) const {
  Shape shape(batch_shape.begin(), batch_shape.end());
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) shape = (*it)->inverse_shape(shape);
  Shape base_batch(shape.begin(), shape.end() - base_->event_dim());
  return std::make_shared<TransformedDistribution>(base_->expand(base_batch), transforms_);
}

// Transforms follow their input's dtype and device (see AffineTransform), so moving the base suffices.
DistPtr TransformedDistribution::to(const at::TensorOptions& options) const {
  return std::make_shared<TransformedDistribution>(base_->to(options), transforms_);
}

}  // namespace distributions
}  // namespace pplx
