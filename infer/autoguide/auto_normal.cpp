// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_normal.h>

#include <memory>
#include <optional>

#include <pplx/distributions/delta.h>
#include <pplx/distributions/independent.h>
#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/infer/autoguide/utils.h>
#include <pplx/param_store.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoNormalImpl::AutoNormalImpl(AutoNormalOptions options)
    : AutoGuideImpl("AutoNormal", options.init_loc_fn()), options_(std::move(options)) {
  PPLX_CHECK_AS(ValueError, options_.init_scale() > 0, "AutoNormal: init_scale must be > 0, got ",
                options_.init_scale());
  auxiliary_.infer().is_auxiliary = true;
}

void AutoNormalImpl::setup_params() {
  std::vector<Params> params;
  for (const auto& s : sites_) {
    Params p;
    p.loc = prefix_ + ".locs." + s.name;
    p.scale = prefix_ + ".scales." + s.name;
    p.aux = s.name + "_unconstrained";
    at::Tensor loc = s.transform->inverse(s.init).detach();
    // If subsampling, repeat the initial value to the plate's full size (Pyro's periodic_repeat).
    for (const auto& f : s.plates)
      if (f.subsampled()) loc = periodic_repeat(loc, f.frame.size, f.frame.dim - s.unconstrained_event_dim);
    p.init_loc = loc.contiguous();
    p.init_scale = at::full_like(p.init_loc, options_.init_scale());
    params.push_back(std::move(p));
  }
  params_ = std::move(params);
}

void AutoNormalImpl::forward() {
  // One subsample per plate for all sites of this call.
  std::optional<PlateCacheMessenger> plate_cache;
  if (has_subsampling_) plate_cache.emplace();
  for (size_t i = 0; i < sites_.size(); ++i) {
    const LatentSite& s = sites_[i];
    const Params& p = params_[i];
    at::Tensor loc = pplx::param(p.loc, p.init_loc, constraints::real);
    at::Tensor scale = pplx::param(p.scale, p.init_scale, constraints::softplus_positive);
    PlateStack plates(s.plates);
    if (s.subsampled) {
      loc = plates.subsample(loc, s.unconstrained_event_dim);
      scale = plates.subsample(scale, s.unconstrained_event_dim);
    }
    distributions::DistPtr normal = std::make_shared<distributions::Normal>(loc, scale);
    if (s.unconstrained_event_dim > 0) normal = normal->to_event(s.unconstrained_event_dim);
    if (s.transform->is_identity()) {
      // Pyro samples "<site>_unconstrained" and then a Delta with log_density 0: the same density.
      pplx::sample(s.name, normal);
      continue;
    }
    at::Tensor u = pplx::sample(p.aux, normal, auxiliary_);
    at::Tensor value = s.transform->forward(u);
    // log q(value) = log q(u) - log|dvalue/du|, the Jacobian summed over the site's event dims.
    at::Tensor log_density = -s.transform->log_abs_det_jacobian(u, value);
    log_density = distributions::sum_rightmost(log_density, log_density.dim() - value.dim() + s.event_dim);
    distributions::DistPtr delta;
    {
      // Delta validates its log_density for NaN (a host-device sync); ours comes from finite params.
      ValidationScope no_check(false);
      delta = std::make_shared<distributions::Delta>(value, log_density, s.event_dim);
    }
    pplx::sample(s.name, delta);
  }
}

std::pair<at::Tensor, at::Tensor> AutoNormalImpl::loc_scale(size_t i) const {
  const Params& p = params_[i];
  ParamStore& store = get_param_store();
  return {store.get_or_create(p.loc, p.init_loc, nullptr, constraints::real).detach(),
          store.get_or_create(p.scale, p.init_scale, nullptr, constraints::softplus_positive).detach()};
}

handlers::TensorMap AutoNormalImpl::median() {
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) {
    at::Tensor loc = loc_scale(i).first;
    at::Tensor m = sites_[i].transform->forward(loc);
    out.emplace(sites_[i].name, m.is_same(loc) ? m.clone() : m);
  }
  return out;
}

handlers::TensorMap AutoNormalImpl::quantiles(const std::vector<double>& quantiles) {
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) {
    auto [loc, scale] = loc_scale(i);
    std::vector<int64_t> shape(loc.dim() + 1, 1);
    shape[0] = -1;
    at::Tensor q = quantile_tensor(quantiles, loc).reshape(shape);
    out.emplace(sites_[i].name, sites_[i].transform->forward(normal_icdf(loc, scale, q)));
  }
  return out;
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
