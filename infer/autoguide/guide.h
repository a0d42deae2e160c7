// SPDX-License-Identifier: Apache-2.0
// AutoGuide: the base of the automatic guides (pyro/infer/autoguide/guides.py, class AutoGuide).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/transforms.h>
#include <pplx/error.h>
#include <pplx/handlers/block.h>
#include <pplx/handlers/condition.h>
#include <pplx/handlers/trace.h>
#include <pplx/infer/autoguide/initialization.h>
#include <pplx/plate.h>
#include <pplx/trace.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {
/// Rethrows the pplx::Error being handled, as the same class, with "<guide> (tracing the model to
/// find its latent sites): " before its message, so that an error raised while an autoguide runs
/// its model (an init strategy, a discrete latent) names the guide.
[[noreturn]] void rethrow_naming_guide(const std::string& guide);

/// A plate a latent site lives in, with what the guide needs to enter it again each call.
struct FrameSpec {
  PlateFrame frame;      ///< name, full size, subsample size, dim (as the model used them)
  PlateOptions options;  ///< the same subsample size, dim and device, built once
  bool subsampled() const { return frame.subsample_size != frame.size; }
};

/// A latent sample site of the model's prototype trace, as the autoguides see it.
struct LatentSite {
  std::string name;
  distributions::DistPtr fn;                 ///< the model's (plate-broadcast) distribution
  at::Tensor init;                           ///< initial constrained value (the prototype's), detached
  std::vector<int64_t> shape;                ///< constrained value shape (subsample sizes in plates)
  int64_t event_dim = 0;                     ///< fn's event dim
  transforms::TransformPtr transform;        ///< unconstrained -> constrained (biject_to(support))
  std::vector<int64_t> unconstrained_shape;  ///< shape of transform->inverse(value)
  int64_t unconstrained_event_dim = 0;
  std::vector<FrameSpec> plates;  ///< outermost first
  bool subsampled = false;        ///< in at least one subsampled plate
};

/// Enters the plates of one latent site for the duration of a scope (Pyro's ExitStack over
/// self.plates) and selects the subsample of full-size parameters.
class PlateStack {
 public:
  explicit PlateStack(const std::vector<FrameSpec>& frames);
  ~PlateStack();
  PlateStack(const PlateStack&) = delete;
  PlateStack& operator=(const PlateStack&) = delete;
  /// `full` (plate dims at full size, then `event_dim` event dims) indexed by this call's subsample
  /// along each subsampled plate's dim.
  at::Tensor subsample(const at::Tensor& full, int64_t event_dim) const;

 private:
  void pop_all();
  static constexpr size_t kMaxPlates = 16;
  const std::vector<FrameSpec>& frames_;
  std::array<std::optional<plate>, kMaxPlates> plates_;
  size_t size_ = 0;
};

/// The state every copy of an autoguide shares: the prototype's latent sites and the parameter
/// names. Subclasses create the parameters and sample the sites. Not thread-safe (as the
/// handler stack): use one guide per thread.
class AutoGuideImpl {
 public:
  AutoGuideImpl(std::string name, InitLocFn init_loc_fn);
  virtual ~AutoGuideImpl() = default;
  AutoGuideImpl(const AutoGuideImpl&) = delete;
  AutoGuideImpl& operator=(const AutoGuideImpl&) = delete;

  /// Pyro's class name ("AutoNormal"), used in messages.
  const std::string& name() const { return name_; }
  /// Prefix of the parameter names (Pyro's _pyro_name): the class name, or "AutoGuideList.<i>"
  /// for a part of an AutoGuideList.
  const std::string& prefix() const { return prefix_; }
  /// Throws pplx::ValueError once the parameters have been named (after the first call).
  void set_prefix(std::string prefix);
  const InitLocFn& init_loc_fn() const { return init_loc_fn_; }
  bool is_set_up() const { return set_up_; }
  /// Whether a call with arguments of this signature (see arg_signature) needs no new prototype.
  bool accepts(uint64_t signature) const;
  const std::vector<LatentSite>& sites() const { return sites_; }

  /// First call: reads the latent sites of `prototype` and creates the parameters' initial values.
  /// Throws pplx::ValueError for a model without latent sites or with a site the guide cannot handle.
  void setup(const Trace& prototype, uint64_t signature);
  /// Another call whose arguments changed shape: throws pplx::SiteError / pplx::ShapeError when a
  /// latent site of the first call is missing or changed shape or plates (new sites are the
  /// model's business: e.g. an observation whose data is left out becomes latent).
  void check_structure(const Trace& prototype, uint64_t signature);
  /// Adopts another guide's prototype (laplace_approximation's AutoMultivariateNormal).
  void setup_like(const AutoGuideImpl& other);

  /// The guide's body: samples every latent site.
  virtual void forward() = 0;
  /// Site -> posterior median on the constrained scale, at full plate size.
  virtual handlers::TensorMap median() = 0;
  /// Site -> [len(quantiles), ...] posterior quantiles on the constrained scale.
  virtual handlers::TensorMap quantiles(const std::vector<double>& quantiles) = 0;

 protected:
  /// Called once the sites are known: name and initialize the parameters, check the options.
  virtual void setup_params() = 0;
  /// Whether this guide accepts sites in subsampled plates (AutoNormal and AutoDelta do).
  virtual bool supports_subsampling() const { return false; }
  /// Checks quantiles lie in (0, 1) and returns them as a [Q] tensor like `like`.
  static at::Tensor quantile_tensor(const std::vector<double>& quantiles, const at::Tensor& like);

  std::string name_, prefix_;
  InitLocFn init_loc_fn_;
  std::vector<LatentSite> sites_;
  bool set_up_ = false;
  bool has_subsampling_ = false;

 private:
  std::vector<uint64_t> signatures_;
};

/// Standard normal quantile function: loc + scale * sqrt(2) * erfinv(2q - 1), `q` broadcasting.
at::Tensor normal_icdf(const at::Tensor& loc, const at::Tensor& scale, const at::Tensor& q);

// A cheap hash of the arguments' shapes (tensors) and integral values, so that a call whose
// arguments look the same as an earlier one costs one hash and no model run. Undefined tensors
// are skipped: Predictive passes the data as undefined, which must not look like a new structure.
inline void mix(uint64_t& h, uint64_t v) { h = (h ^ v) * 1099511628211ull; }
inline void hash_arg(uint64_t& h, const at::Tensor& t) {
  if (!t.defined()) return;
  mix(h, static_cast<uint64_t>(t.dim()));
  for (int64_t s : t.sizes()) mix(h, static_cast<uint64_t>(s));
}
inline void hash_arg(uint64_t& h, const std::vector<at::Tensor>& ts) {
  mix(h, ts.size());
  for (const auto& t : ts) hash_arg(h, t);
}
template <class T>
void hash_arg(uint64_t& h, const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) mix(h, static_cast<uint64_t>(v));
}
template <class... Args>
uint64_t arg_signature(const Args&... args) {
  uint64_t h = 1469598103934665603ull;
  (hash_arg(h, args), ...);
  return h;
}

}  // namespace detail

/// The base of the automatic guides (Pyro's AutoGuide): a callable with the model's arguments that
/// samples every latent site of the model. On its first call it traces the model under an
/// InitMessenger (the prototype trace: latent sites, shapes, supports, plates) and creates its
/// parameters in the current ParamStore under Pyro's names. Copies share their state (SVI and
/// Predictive take the guide by value), so training one copy trains them all. A call whose
/// arguments change shape traces the model again and throws when its latent sites changed.
/// Not thread-safe: use one guide per thread.
///
///   auto guide = pplx::infer::autoguide::AutoNormal(model);
///   pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)));
///   auto med = guide.median(x, y);   // site -> constrained posterior median
template <class Model, class Impl>
class AutoGuide {
 public:
  using impl_type = Impl;

  /// Samples every latent site (trains through SVI like any guide). Unlike Pyro's, it returns
  /// nothing, so that a step builds no map: trace the guide to read its draws.
  template <class... Args>
  void operator()(Args&&... args) {
    prepare<true>(args...);
    impl_->forward();
  }
  /// Posterior median of each latent site on the constrained scale (full plate sizes, detached).
  /// The arguments are needed only before the first call (to trace the model).
  template <class... Args>
  handlers::TensorMap median(Args&&... args) {
    prepare<false>(args...);
    c10::NoGradGuard no_grad;
    return impl_->median();
  }
  /// Posterior quantiles (each in (0, 1), else pplx::ValueError) of each latent site, site ->
  /// [len(quantiles), ...], on the constrained scale (full plate sizes, detached).
  template <class... Args>
  handlers::TensorMap quantiles(const std::vector<double>& quantiles, Args&&... args) {
    prepare<false>(args...);
    c10::NoGradGuard no_grad;
    return impl_->quantiles(quantiles);
  }

  /// The model this guide was built for.
  Model& model() { return model_; }
  /// The shared state (prototype sites, parameter names).
  const std::shared_ptr<Impl>& impl() const { return impl_; }
  /// Prefix of this guide's parameter names in the ParamStore ("AutoNormal").
  const std::string& prefix() const { return impl_->prefix(); }

 protected:
  AutoGuide(Model model, std::shared_ptr<Impl> impl) : model_(std::move(model)), impl_(std::move(impl)) {}

  // `from_call`: the guide itself was called, so the arguments are the model's. median() and
  // quantiles() without arguments (as Pyro users write them) only read the state of a guide that
  // has run: whether the model takes no arguments cannot be asked of a generic callable.
  template <bool from_call, class... Args>
  void prepare(Args&... args) {
    if constexpr (sizeof...(Args) == 0 && !from_call) {
      PPLX_CHECK_AS(ValueError, impl_->is_set_up(), impl_->name(),
                    ": the guide has not traced the model yet; call the guide, or median/quantiles with the "
                    "model's arguments, first");
    } else {
      const uint64_t signature = detail::arg_signature(args...);
      if (impl_->is_set_up() && impl_->accepts(signature)) return;  // the per-step path
      Trace prototype = trace_prototype(args...);
      if (impl_->is_set_up()) impl_->check_structure(prototype, signature);
      else impl_->setup(prototype, signature);
    }
  }

  // Pyro's _setup_prototype: poutine.block(poutine.trace(InitMessenger(init_loc_fn)(model))).
  // The block keeps the run from every outer handler (the ELBO's trace, replay, particle plate).
  template <class... Args>
  Trace trace_prototype(Args&... args) {
    handlers::BlockMessenger hide_from_outer;
    handlers::TraceMessenger tracer;
    InitMessenger init(impl_->init_loc_fn());
    try {
      model_(args...);
    } catch (const Error&) {
      detail::rethrow_naming_guide(impl_->name());
    }
    return tracer.take_trace();
  }

  Model model_;
  std::shared_ptr<Impl> impl_;
};

/// Whether `T` is one of the autoguides (has a shared AutoGuideImpl).
template <class T, class = void>
struct is_autoguide : std::false_type {};
template <class T>
struct is_autoguide<T, std::void_t<typename T::impl_type>>
    : std::is_base_of<detail::AutoGuideImpl, typename T::impl_type> {};
template <class T>
constexpr bool is_autoguide_v = is_autoguide<std::decay_t<T>>::value;

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
