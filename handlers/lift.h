// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <pplx/distributions/distribution.h>
#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>

namespace pplx {

/// Priors for lifted parameters: one distribution for all of them, a map keyed by parameter name,
/// or a function of (name, current value). A distribution with empty batch and event shape given
/// for a parameter of shape S is expanded to S and made one event (to_event(S.size())).
class Priors {
 public:
  using Fn = std::function<distributions::DistPtr(const std::string& name, const at::Tensor& value)>;
  Priors(const distributions::Distribution& prior);                 // NOLINT: implicit by design
  Priors(distributions::DistPtr prior);                             // NOLINT
  Priors(std::map<std::string, distributions::DistPtr> by_name);    // NOLINT
  Priors(Fn fn);                                                    // NOLINT

  /// The prior for parameter `name` with current value `value`; null when it has none.
  distributions::DistPtr for_param(const std::string& name, const at::Tensor& value) const;
  /// Keys of a by-name map (empty for the other forms).
  std::vector<std::string> keys() const;
  bool is_map() const { return is_map_; }

 private:
  distributions::DistPtr all_;
  std::map<std::string, distributions::DistPtr> by_name_;
  Fn fn_;
  bool is_map_ = false;
};

namespace handlers {

/// Turns param sites into sample sites drawn from priors (Pyro's lift). Names of module
/// parameters ("module$$$weight") are looked up without the module prefix ("weight").
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
  explicit LiftMessenger(Priors priors) : Messenger("lift"), priors_(std::move(priors)) {}
  void process_message(Message& msg) override;
  /// Remembers the value a lifted site ended with (after outer handlers such as replay).
  void postprocess_message(Message& msg) override;

 private:
  struct Drawn {
    distributions::DistPtr fn;  ///< the prior as the first read's site had it
    at::Tensor value;
  };
  Priors priors_;
  std::unordered_map<std::string, Drawn> drawn_;  // this run's lifted parameters, by site name
  std::string lifting_;                           // the site between process and postprocess

};

inline LiftMessenger lift(Priors priors) { return LiftMessenger(std::move(priors)); }
template <class Fn>
Handled<LiftMessenger, std::decay_t<Fn>, Priors> lift(Fn&& fn, Priors priors) {
  return Handled<LiftMessenger, std::decay_t<Fn>, Priors>(std::forward<Fn>(fn), std::move(priors));
}

}  // namespace handlers

/// The user-facing part of a module parameter's site name ("module$$$0.weight" -> "0.weight").
std::string user_param_name(const std::string& site_name);
/// Separator between module name and parameter name in site names, as in Pyro.
inline constexpr const char* kModuleSeparator = "$$$";

}  // namespace pplx
