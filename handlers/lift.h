// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <unordered_map>

#include <pplx/distributions/distribution.h>
#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>
#include <pplx/prior.h>

namespace pplx {
namespace handlers {

/// Turns param sites into sample sites drawn from priors (Pyro's lift). Names of module
/// parameters ("module$$$weight") are looked up without the module prefix ("weight"); a param
/// without a prior (not in a by-name map) stays a param. A prior of the wrong shape throws
/// pplx::ShapeError naming the site (see pplx::Prior::for_param).
///
/// A parameter is one random variable per run: the first read of a name draws it (a sample site
/// outer handlers see), and every later read of that name while this messenger is active returns
/// the same value as an observed site that stops there, so an outer trace records the site once
/// (pyro/poutine/lift_messenger.py, `_samples_cache`). The wrapper form lift(fn, priors) makes a
/// fresh messenger, hence fresh draws, per call.
///
///   { auto l = handlers::lift(dist::Normal(0.0, 1.0));  guide(); }   // every param is now random
class LiftMessenger : public Messenger {
 public:
  explicit LiftMessenger(Prior prior) : Messenger("lift"), prior_(std::move(prior)) {}
  void process_message(Message& msg) override;
  /// Remembers the value a lifted site ended with (after outer handlers such as replay).
  void postprocess_message(Message& msg) override;

 private:
  struct Drawn {
    distributions::DistPtr fn;  ///< the prior as the first read's site had it
    at::Tensor value;
  };
  Prior prior_;
  std::unordered_map<std::string, Drawn> drawn_;  // this run's lifted parameters, by site name
  std::string lifting_;                           // the site between process and postprocess
};

inline LiftMessenger lift(Prior prior) { return LiftMessenger(std::move(prior)); }
template <class Fn>
Handled<LiftMessenger, std::decay_t<Fn>, Prior> lift(Fn&& fn, Prior prior) {
  return Handled<LiftMessenger, std::decay_t<Fn>, Prior>(std::forward<Fn>(fn), std::move(prior));
}

}  // namespace handlers
}  // namespace pplx
