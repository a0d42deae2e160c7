// SPDX-License-Identifier: Apache-2.0
// Initialization strategies of the autoguides (pyro/infer/autoguide/initialization.py).
#pragma once

#include <cstdint>
#include <functional>

#include <ATen/ATen.h>

#include <pplx/handlers/condition.h>
#include <pplx/message.h>
#include <pplx/messenger.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// A per-site initialization function: given a latent sample site of the model (its plate-broadcast
/// distribution in `site.fn`, its name), returns an initial value on the constrained scale, of the
/// site's shape (Pyro's `init_loc_fn(site)`).
///
///   ag::InitLocFn mine = [](const pplx::Message& site) { return site.fn->mean(); };
using InitLocFn = std::function<at::Tensor(const Message& site)>;

/// An arbitrary feasible point, ignoring the distribution's parameters: transform_to(support) of
/// zeros (0 for real, 1 for positive, 0.5 for the unit interval, the uniform simplex). Pyro's
/// init_to_feasible.
///
///   ag::AutoNormalOptions().init_loc_fn(ag::init_to_feasible())
InitLocFn init_to_feasible();

/// A random draw from the prior (Pyro's init_to_sample).
///
///   ag::AutoDeltaOptions().init_loc_fn(ag::init_to_sample())
InitLocFn init_to_sample();

/// The prior median estimated from `num_samples` draws; multivariate sites (an event dim larger
/// than 1) and sites whose median is NaN or outside the support use `fallback`. An empty fallback
/// throws pplx::ValueError for such sites. Pyro's init_to_median.
///
///   ag::init_to_median(15, ag::init_to_feasible())
InitLocFn init_to_median(int64_t num_samples = 15, InitLocFn fallback = init_to_feasible());

/// The prior mean; sites whose mean is undefined, NaN or outside the support use `fallback`
/// (empty: pplx::ValueError). Pyro's init_to_mean.
///
///   ag::AutoDiagonalNormalOptions().init_loc_fn(ag::init_to_mean())
InitLocFn init_to_mean(InitLocFn fallback = init_to_median());

/// A uniform draw from (-radius, radius) on the unconstrained scale, mapped by
/// transform_to(support). Throws pplx::ValueError for radius <= 0. Pyro's init_to_uniform.
///
///   ag::init_to_uniform(0.5)
InitLocFn init_to_uniform(double radius = 2.0);

/// The value given for the site's name; other sites use `fallback` (empty: pplx::ValueError).
/// A value of the wrong shape throws pplx::ShapeError when the model is traced. Pyro's init_to_value.
///
///   ag::init_to_value({{"w", torch::ones({3})}})
InitLocFn init_to_value(handlers::TensorMap values, InitLocFn fallback = init_to_uniform());

/// Gives every latent sample site that reaches it (not observed, no value yet) its value from
/// `init_loc_fn`, without gradients (Pyro's InitMessenger). The autoguides trace their model under
/// it to build the prototype trace. Errors name the site; a discrete site gets the autoguides'
/// advice (see check_continuous_support).
///
///   { ag::InitMessenger init(ag::init_to_median());  auto tr = handlers::trace();  model(x); }
class InitMessenger : public Messenger {
 public:
  explicit InitMessenger(InitLocFn init_loc_fn);
  void process_message(Message& msg) override;

 private:
  InitLocFn init_loc_fn_;
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
