// SPDX-License-Identifier: Apache-2.0
// The prior of a model's parameters: what handlers::lift, random_module and the Bayesian layers of
// pplx::nn draw a parameter from, each parameter as one random variable of its own shape.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>

namespace pplx {

/// The prior of a set of parameters, keyed by parameter name: one distribution for all of them, a
/// map by name (a parameter not in it has no prior), or a function of (name, current value). For a
/// parameter of shape S, for_param gives a distribution with empty batch shape and event shape S:
/// one with empty batch and event shape is expanded to S, one whose batch and event shape make S
/// has its batch dims made event dims. Also carries a description and the number of Monte Carlo
/// samples pplx::nn::kl_divergence uses where no closed form exists. Immutable; safe to share.
/// Source: pyro/poutine/lift_messenger.py (prior forms), pyro/primitives.py random_module.
///
///   pplx::Prior p(dist::Normal(0.0, 1.0));   p.for_param("weight", w);   // N(0, 1)^S, one event
class Prior {
 public:
  /// Distribution for parameter `name` whose current value (or posterior mean) is `like`; null
  /// means the parameter has no prior.
  using Fn = std::function<distributions::DistPtr(const std::string& name, const at::Tensor& like)>;

  /// The same distribution for every parameter; its description is the distribution's name.
  /// Throws pplx::ValueError for a null pointer.
  Prior(const distributions::Distribution& d);  // NOLINT: implicit by design (lift(guide, dist::Normal(0, 1)))
  Prior(distributions::DistPtr d);              // NOLINT
  /// A prior for each named parameter; the others have none. Throws pplx::ValueError for a null entry.
  Prior(std::map<std::string, distributions::DistPtr> by_name);  // NOLINT
  /// A prior computed per parameter; `fn` sees the parameter's value detached. Throws
  /// pplx::ValueError for a null function or num_mc_samples < 1.
  Prior(Fn fn, std::string description = "function", int64_t num_mc_samples = 1);  // NOLINT

  /// The prior of parameter `name` with current value `like`: event_shape == like.sizes(), empty
  /// batch shape, on like's device. Null when the parameter has none (not in the map, or the
  /// function gave null). With `like` undefined the distribution is returned as given. Throws
  /// pplx::ShapeError naming both shapes when the distribution does not have the parameter's shape.
  distributions::DistPtr for_param(const std::string& name, const at::Tensor& like) const;

  /// The names of the by-name form (sorted); empty for the other forms.
  std::vector<std::string> keys() const;
  /// Whether the prior is the by-name form (random_module checks its names against the module).
  bool is_map() const { return is_map_; }
  /// Monte Carlo samples per kl_divergence() term where no closed form exists (PyVarInf's n_mc_samples).
  int64_t num_mc_samples() const { return num_mc_samples_; }
  /// A short description such as "Normal" or "mixtgauss(sigma_1=1, sigma_2=0.0025, pi=0.5)".
  const std::string& description() const { return description_; }

 private:
  Fn fn_;
  std::vector<std::string> keys_;
  bool is_map_ = false;
  std::string description_;
  int64_t num_mc_samples_ = 1;
};

/// Separator between a module's name and its parameter's name in site names ("net$$$0.weight"), as
/// in Pyro's pyro.module.
inline constexpr const char* kModuleSeparator = "$$$";

/// The name a Prior knows a module parameter by: the site name without its module prefix
/// ("net$$$0.weight" -> "0.weight"); other names unchanged.
///
///   pplx::user_param_name("net$$$0.weight") == "0.weight"
std::string user_param_name(const std::string& site_name);

}  // namespace pplx
