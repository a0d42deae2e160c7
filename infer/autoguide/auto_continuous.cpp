// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_continuous.h>

#include <ATen/ExpandUtils.h>

#include <pplx/distributions/delta.h>
#include <pplx/distributions/independent.h>
#include <pplx/error.h>
#include <pplx/param_store.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoContinuousImpl::AutoContinuousImpl(std::string name, InitLocFn init_loc_fn)
    : AutoGuideImpl(std::move(name), std::move(init_loc_fn)) {
  auxiliary_.infer().is_auxiliary = true;
}

void AutoContinuousImpl::setup_params() {
  std::vector<at::Tensor> parts;
  offsets_.clear();
  sizes_.clear();
  int64_t pos = 0;
  for (const auto& s : sites_) {
    at::Tensor u = s.transform->inverse(s.init).detach().reshape(-1);
    offsets_.push_back(pos);
    sizes_.push_back(u.numel());
    pos += u.numel();
    parts.push_back(u);
  }
  latent_dim_ = pos;
  PPLX_CHECK_AS(ValueError, latent_dim_ > 0, name_,
                " found no latent variables (every latent site is empty); use an "
                "empty guide instead");
  init_loc_ = at::cat(parts);
  latent_name_ = "_" + prefix_ + "_latent";
  setup_posterior();
}

at::Tensor AutoContinuousImpl::unpack(const at::Tensor& latent, size_t i) const {
  const LatentSite& s = sites_[i];
  std::vector<int64_t> batch(latent.sizes().begin(), latent.sizes().end() - 1);
  at::Tensor u = latent.narrow(-1, offsets_[i], sizes_[i]);
  if (batch.empty()) return u.reshape(s.unconstrained_shape);
  // Leading dims (vectorized particles, or a batch of quantiles) sit left of the site's dims.
  batch.insert(batch.end(), s.unconstrained_event_dim, 1);
  return u.reshape(at::infer_size(s.unconstrained_shape, batch));
}

void AutoContinuousImpl::forward() {
  at::Tensor latent = pplx::sample(latent_name_, posterior(), auxiliary_);
  for (size_t i = 0; i < sites_.size(); ++i) {
    const LatentSite& s = sites_[i];
    at::Tensor u = unpack(latent, i);
    at::Tensor value = s.transform->forward(u);
    distributions::DistPtr delta;
    if (s.transform->is_identity()) {
      ValidationScope no_check(false);
      delta = std::make_shared<distributions::Delta>(value, 0.0, s.event_dim);
    } else {
      at::Tensor log_density = -s.transform->log_abs_det_jacobian(u, value);
      log_density = distributions::sum_rightmost(log_density, log_density.dim() - value.dim() + s.event_dim);
      ValidationScope no_check(false);  // finite by construction; spares a host-device sync
      delta = std::make_shared<distributions::Delta>(value, log_density, s.event_dim);
    }
    PlateStack plates(s.plates);
    pplx::sample(s.name, delta);
  }
}

handlers::TensorMap AutoContinuousImpl::constrain(const at::Tensor& latent) const {
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) {
    at::Tensor u = unpack(latent, i);
    at::Tensor v = sites_[i].transform->forward(u);
    out.emplace(sites_[i].name, v.is_same(u) ? v.clone() : v);
  }
  return out;
}

handlers::TensorMap AutoContinuousImpl::median() { return constrain(loc_scale().first); }

handlers::TensorMap AutoContinuousImpl::quantiles(const std::vector<double>& quantiles) {
  auto [loc, scale] = loc_scale();
  at::Tensor q = quantile_tensor(quantiles, loc).unsqueeze(-1);
  at::Tensor latents = normal_icdf(loc, scale, q);  // [Q, latent_dim]
  std::vector<std::vector<at::Tensor>> per_site(sites_.size());
  for (int64_t k = 0; k < latents.size(0); ++k) {
    handlers::TensorMap m = constrain(latents[k]);
    for (size_t i = 0; i < sites_.size(); ++i) per_site[i].push_back(m.at(sites_[i].name));
  }
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) out.emplace(sites_[i].name, at::stack(per_site[i]));
  return out;
}

at::Tensor AutoContinuousImpl::stored(const std::string& name, const at::Tensor& init,
                                      const constraints::ConstraintPtr& c) {
  return get_param_store().get_or_create(name, init, nullptr, c).detach();
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
