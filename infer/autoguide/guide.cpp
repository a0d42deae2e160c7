// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/guide.h>

#include <algorithm>
#include <cmath>

#include <pplx/error.h>
#include <pplx/infer/autoguide/utils.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

void rethrow_naming_guide(const std::string& guide) {
  rethrow_with_message([&](const std::exception& e) {
    return pplx::detail::str(guide, " (tracing the model to find its latent sites): ", e.what());
  });
}
namespace {

std::string frames_str(const std::vector<PlateFrame>& frames) {
  if (frames.empty()) return "no plates";
  std::string s;
  for (const auto& f : frames)
    s += pplx::detail::str(s.empty() ? "" : ", ", f.name, "(size ", f.size, ", subsample ", f.subsample_size, ", dim ",
                           f.dim, ")");
  return s;
}

bool same_frames(const std::vector<FrameSpec>& a, const std::vector<PlateFrame>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i].frame;
    if (x.name != b[i].name || x.size != b[i].size || x.subsample_size != b[i].subsample_size || x.dim != b[i].dim)
      return false;
  }
  return true;
}

std::vector<PlateFrame> frames_of(const std::vector<FrameSpec>& specs) {
  std::vector<PlateFrame> out;
  for (const auto& s : specs) out.push_back(s.frame);
  return out;
}

}  // namespace

// --- PlateStack ----------------------------------------------------------------------------------

PlateStack::PlateStack(const std::vector<FrameSpec>& frames) : frames_(frames) {
  PPLX_CHECK_AS(ValueError, frames.size() <= kMaxPlates, "autoguide: a site inside more than ", kMaxPlates, " plates");
  try {
    for (const auto& f : frames_) {
      plates_[size_].emplace(f.frame.name, f.frame.size, f.options);
      ++size_;
    }
  } catch (...) {
    pop_all();
    throw;
  }
}

PlateStack::~PlateStack() { pop_all(); }

void PlateStack::pop_all() {
  // Handler scopes must end in reverse order of entry.
  while (size_ > 0) plates_[--size_].reset();
}

at::Tensor PlateStack::subsample(const at::Tensor& full, int64_t event_dim) const {
  at::Tensor out = full;
  for (size_t i = 0; i < size_; ++i) {
    if (!frames_[i].subsampled()) continue;
    const int64_t dim = out.dim() - event_dim + frames_[i].frame.dim;
    const at::Tensor& idx = plates_[i]->indices();
    out = out.index_select(dim, idx.device() == out.device() ? idx : idx.to(out.device()));
  }
  return out;
}

// --- AutoGuideImpl -------------------------------------------------------------------------------

AutoGuideImpl::AutoGuideImpl(std::string name, InitLocFn init_loc_fn)
    : name_(std::move(name)), prefix_(name_), init_loc_fn_(std::move(init_loc_fn)) {
  PPLX_CHECK_AS(ValueError, static_cast<bool>(init_loc_fn_), name_, ": init_loc_fn is empty");
}

void AutoGuideImpl::set_prefix(std::string prefix) {
  PPLX_CHECK_AS(ValueError, !set_up_, name_,
                ": cannot rename the parameters of a guide that has already run (they "
                "exist as '",
                prefix_, ".*'); add it to an AutoGuideList before its first call");
  prefix_ = std::move(prefix);
}

bool AutoGuideImpl::accepts(uint64_t signature) const {
  return std::find(signatures_.begin(), signatures_.end(), signature) != signatures_.end();
}

void AutoGuideImpl::setup(const Trace& prototype, uint64_t signature) {
  // Plate devices come from the prototype's plate sites (the guide's plates put their indices
  // where the model's do).
  auto device_of = [&](const std::string& plate_name) -> c10::optional<c10::Device> {
    for (const auto& s : prototype)
      if (s.type == SiteType::plate && s.name == plate_name) return s.plate_device;
    return c10::nullopt;
  };
  std::vector<LatentSite> sites;
  for (const auto& s : prototype) {
    if (!is_latent(s)) continue;
    LatentSite ls;
    ls.name = s.name;
    ls.fn = s.fn;
    ls.init = s.value.detach();
    ls.shape = s.value.sizes().vec();
    ls.event_dim = s.fn->event_dim();
    ls.transform = latent_transform(s, name_);
    at::Tensor u;
    try {
      u = ls.transform->inverse(ls.init);
    } catch (const c10::Error& e) {
      throw ValueError(name_, ": cannot map the initial value of site '", s.name, "' (shape ",
                       distributions::shape_str(ls.shape),
                       ") to the unconstrained scale: ", e.what_without_backtrace());
    }
    ls.unconstrained_shape = u.sizes().vec();
    ls.unconstrained_event_dim = ls.event_dim + u.dim() - ls.init.dim();
    for (const auto& f : s.plates) {
      FrameSpec spec;
      spec.frame = f;
      spec.options = PlateOptions().dim(f.dim).device(device_of(f.name));
      if (f.subsample_size != f.size) spec.options.subsample_size(f.subsample_size);
      ls.subsampled = ls.subsampled || spec.subsampled();
      ls.plates.push_back(std::move(spec));
    }
    if (ls.subsampled && !supports_subsampling()) {
      std::string which;
      for (const auto& f : ls.plates)
        if (f.subsampled())
          which = pplx::detail::str("'", f.frame.name, "' (", f.frame.subsample_size, " of ", f.frame.size, ")");
      throw NotImplementedError(
          name_, ": latent site '", s.name, "' lives in the subsampled plate ", which,
          ". The AutoContinuous guides (AutoDiagonalNormal, AutoMultivariateNormal, "
          "AutoLowRankMultivariateNormal, AutoLaplaceApproximation) pack all latents into one vector and do not "
          "support subsampled plates, as in Pyro. Use AutoNormal or AutoDelta for local latents (an AutoGuideList "
          "can combine them with a multivariate guide over the global ones), or do not subsample");
    }
    sites.push_back(std::move(ls));
  }
  PPLX_CHECK_AS(ValueError, !sites.empty(), name_,
                ": the model has no latent sample sites (every sample site is "
                "observed, a factor or deterministic, or hidden by block), so there is nothing to guide; use an empty "
                "guide instead. Sites traced: ",
                prototype.site_names().empty() ? "(none)" : prototype.site_names());
  sites_ = std::move(sites);
  has_subsampling_ = std::any_of(sites_.begin(), sites_.end(), [](const LatentSite& s) { return s.subsampled; });
  setup_params();
  signatures_.assign(1, signature);
  set_up_ = true;
}

void AutoGuideImpl::setup_like(const AutoGuideImpl& other) {
  PPLX_CHECK_AS(ValueError, other.set_up_, name_, ": the guide to copy the prototype from has not run yet");
  sites_ = other.sites_;
  has_subsampling_ = other.has_subsampling_;
  setup_params();
  signatures_ = other.signatures_;
  set_up_ = true;
}

void AutoGuideImpl::check_structure(const Trace& prototype, uint64_t signature) {
  const char* advice =
      ". An autoguide learns parameters for the latent structure its first call saw (as in Pyro); build a new "
      "guide for a model whose latent sites change between calls";
  for (const auto& ls : sites_) {
    const Site* s = prototype.find(ls.name);
    PPLX_CHECK_AS(SiteError, s && is_latent(*s), name_,
                  ": the model's latent structure changed between calls: "
                  "latent site '",
                  ls.name, "' of the first call is ", s ? "no longer latent" : "missing",
                  " now (the arguments changed shape)", advice);
    PPLX_CHECK_AS(ShapeError, s->value.sizes() == c10::IntArrayRef(ls.shape) && s->fn->event_dim() == ls.event_dim,
                  name_, ": the model's latent structure changed between calls: site '", ls.name, "' had shape ",
                  distributions::shape_str(ls.shape), " (event_dim ", ls.event_dim, ") at the first call and has ",
                  distributions::shape_str(s->value.sizes()), " (event_dim ", s->fn->event_dim(),
                  ") now (the arguments changed shape)", advice);
    PPLX_CHECK_AS(ShapeError, same_frames(ls.plates, s->plates), name_,
                  ": the model's latent structure changed between calls: site '", ls.name, "' was in plates ",
                  frames_str(frames_of(ls.plates)), " at the first call and is in ", frames_str(s->plates), " now",
                  advice);
  }
  // A few shapes alternate in practice (a last, smaller minibatch): remember them.
  if (signatures_.size() >= 8) signatures_.erase(signatures_.begin());
  signatures_.push_back(signature);
}

at::Tensor AutoGuideImpl::quantile_tensor(const std::vector<double>& quantiles, const at::Tensor& like) {
  PPLX_CHECK_AS(ValueError, !quantiles.empty(), "quantiles: the list of quantiles is empty");
  for (double q : quantiles)
    PPLX_CHECK_AS(ValueError, q > 0 && q < 1, "quantiles: each quantile must lie in (0, 1), got ", q);
  return at::tensor(quantiles, at::TensorOptions().dtype(at::kDouble)).to(like.options());
}

at::Tensor normal_icdf(const at::Tensor& loc, const at::Tensor& scale, const at::Tensor& q) {
  return loc + scale * at::erfinv(2 * q - 1) * std::sqrt(2.0);
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
