// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/mixture_same_family.h>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/categorical.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace distributions {
namespace {
const Categorical& as_categorical(const DistPtr& d) {
  PPLX_CHECK_AS(ValueError, d != nullptr, "MixtureSameFamily: mixture_distribution is null");
  auto c = dynamic_cast<const Categorical*>(d.get());
  PPLX_CHECK_AS(ValueError, c != nullptr, "MixtureSameFamily: mixture_distribution must be a Categorical, got ",
                d->name());
  return *c;
}
}  // namespace

MixtureSameFamily::MixtureSameFamily(DistPtr mixture_distribution, DistPtr component_distribution)
    : Distribution({}, {}), mixture_(std::move(mixture_distribution)), component_(std::move(component_distribution)) {
  const Categorical& mix = as_categorical(mixture_);
  PPLX_CHECK_AS(ValueError, component_ != nullptr, "MixtureSameFamily: component_distribution is null");
  auto cbs = component_->batch_shape();
  PPLX_CHECK_AS(ShapeError, !cbs.empty(), "MixtureSameFamily: component_distribution ", component_->name(),
                " needs a rightmost batch dim of size K (the components), got batch_shape []");
  const int64_t k = cbs.back();
  PPLX_CHECK_AS(ShapeError, k == mix.num_events(), "MixtureSameFamily: the mixture has ", mix.num_events(),
                " categories but component_distribution ", component_->name(), " has batch_shape ", shape_str(cbs),
                " (", k, " components)");
  try {
    batch_shape_ = at::infer_size(mixture_->batch_shape(), cbs.slice(0, cbs.size() - 1));
  } catch (const c10::Error&) {
    throw ShapeError("MixtureSameFamily: mixture batch_shape ", shape_str(mixture_->batch_shape()),
                     " does not broadcast with the components' batch_shape ", shape_str(cbs), " without its last dim");
  }
  event_shape_ = component_->event_shape().vec();
  if (mixture_->batch_shape() != c10::IntArrayRef(batch_shape_)) mixture_ = mixture_->expand(batch_shape_);
  Shape comp_batch = batch_shape_;
  comp_batch.push_back(k);
  if (cbs != c10::IntArrayRef(comp_batch)) component_ = component_->expand(comp_batch);
}

at::Tensor MixtureSameFamily::padded_probs() const {
  auto probs = static_cast<const Categorical&>(*mixture_).probs();
  for (size_t i = 0; i < event_shape_.size(); ++i) probs = probs.unsqueeze(-1);
  return probs;
}

at::Tensor MixtureSameFamily::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  c10::NoGradGuard no_grad;
  auto which = mixture_->sample(sample_shape, gen);    // [S..., B...]
  auto comps = component_->sample(sample_shape, gen);  // [S..., B..., K, E...]
  const int64_t ed = event_dim();
  auto index = which;
  for (int64_t i = 0; i <= ed; ++i) index = index.unsqueeze(-1);  // [S..., B..., 1, 1...]
  std::vector<int64_t> shape = index.sizes().vec();
  for (int64_t i = 0; i < ed; ++i) shape[shape.size() - ed + i] = event_shape_[i];
  return comps.gather(comps.dim() - 1 - ed, index.expand(shape)).squeeze(comps.dim() - 1 - ed);
}

at::Tensor MixtureSameFamily::log_prob(const at::Tensor& value) const {
  // The components validate the (padded) value against their own support and shapes.
  const int64_t ed = event_dim();
  PPLX_CHECK_AS(ShapeError, value.dim() >= ed, "MixtureSameFamily: value of shape ", shape_str(value.sizes()),
                " has fewer dims than event_shape ", shape_str(event_shape_));
  auto x = value.unsqueeze(value.dim() - ed);  // room for the component dim
  auto lp = component_->log_prob(x);           // [S..., B..., K]
  auto log_w = static_cast<const Categorical&>(*mixture_).logits();
  return at::logsumexp(lp + log_w, -1);
}

at::Tensor MixtureSameFamily::mean() const { return (padded_probs() * component_->mean()).sum(-1 - event_dim()); }

at::Tensor MixtureSameFamily::variance() const {
  const int64_t k_dim = -1 - event_dim();
  auto probs = padded_probs();
  auto mean_cond_var = (probs * component_->variance()).sum(k_dim);
  auto var_cond_mean = (probs * (component_->mean() - mean().unsqueeze(k_dim)).pow(2)).sum(k_dim);
  return mean_cond_var + var_cond_mean;
}

DistPtr MixtureSameFamily::expand(c10::IntArrayRef batch_shape) const {
  Shape comp_batch(batch_shape.begin(), batch_shape.end());
  comp_batch.push_back(component_->batch_shape().back());
  return std::make_shared<MixtureSameFamily>(mixture_->expand(batch_shape), component_->expand(comp_batch));
}

DistPtr MixtureSameFamily::to(const at::TensorOptions& options) const {
  return std::make_shared<MixtureSameFamily>(mixture_->to(options), component_->to(options));
}

}  // namespace distributions
}  // namespace pplx
