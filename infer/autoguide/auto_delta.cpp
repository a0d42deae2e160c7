// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_delta.h>

#include <memory>
#include <optional>

#include <pplx/distributions/delta.h>
#include <pplx/error.h>
#include <pplx/infer/autoguide/utils.h>
#include <pplx/param_store.h>
#include <pplx/primitives.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoDeltaImpl::AutoDeltaImpl(AutoDeltaOptions options) : AutoGuideImpl("AutoDelta", options.init_loc_fn()) {}

void AutoDeltaImpl::setup_params() {
  std::vector<Params> params;
  for (const auto& s : sites_) {
    Params p;
    p.name = prefix_ + "." + s.name;
    p.constraint = base_support(s.fn->support());
    at::Tensor v = s.init;
    for (const auto& f : s.plates)
      if (f.subsampled()) v = periodic_repeat(v, f.frame.size, f.frame.dim - s.event_dim);
    // The param store keeps transform_to(support)->inverse(v); fail here, naming the site, if none.
    Message site;
    site.name = s.name;
    site.fn = s.fn;
    feasible_transform(site);
    p.init = v.contiguous();
    params.push_back(std::move(p));
  }
  params_ = std::move(params);
}

void AutoDeltaImpl::forward() {
  std::optional<PlateCacheMessenger> plate_cache;
  if (has_subsampling_) plate_cache.emplace();
  for (size_t i = 0; i < sites_.size(); ++i) {
    const LatentSite& s = sites_[i];
    at::Tensor v = pplx::param(params_[i].name, params_[i].init, params_[i].constraint);
    PlateStack plates(s.plates);
    if (s.subsampled) v = plates.subsample(v, s.event_dim);
    distributions::DistPtr delta;
    {
      ValidationScope no_check(false);  // log_density is the constant 0: nothing to validate
      delta = std::make_shared<distributions::Delta>(v, 0.0, s.event_dim);
    }
    pplx::sample(s.name, delta);
  }
}

at::Tensor AutoDeltaImpl::value(size_t i) const {
  const Params& p = params_[i];
  return get_param_store().get_or_create(p.name, p.init, nullptr, p.constraint).detach().clone();
}

handlers::TensorMap AutoDeltaImpl::median() {
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) out.emplace(sites_[i].name, value(i));
  return out;
}

handlers::TensorMap AutoDeltaImpl::quantiles(const std::vector<double>& quantiles) {
  handlers::TensorMap out;
  for (size_t i = 0; i < sites_.size(); ++i) {
    at::Tensor v = value(i);
    quantile_tensor(quantiles, v);  // checks them
    std::vector<int64_t> shape = v.sizes().vec();
    shape.insert(shape.begin(), static_cast<int64_t>(quantiles.size()));
    out.emplace(sites_[i].name, v.unsqueeze(0).expand(shape).contiguous());
  }
  return out;
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
