// SPDX-License-Identifier: Apache-2.0
// The primitives models and guides call: sample, param, factor, deterministic.
#pragma once

#include <functional>
#include <string>

#include <ATen/ATen.h>
#include <torch/arg.h>

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/distribution.h>
#include <pplx/message.h>

namespace pplx {

/// Options of pplx::sample.
struct SampleOptions {
  /// Observed value: the site is conditioned on it and sample() returns it.
  TORCH_ARG(at::Tensor, obs);
  TORCH_ARG(InferConfig, infer);
};

/// A random variable named `name` drawn from `fn` (reparameterized where fn has rsample), or
/// observed at `obs`. Every handler on the stack sees the site. Returns the site's value.
///
///   auto z = pplx::sample("z", dist::Normal(0.0, 1.0));
///   pplx::sample("x", dist::Normal(z, 0.5), x_data);          // observed
at::Tensor sample(const std::string& name, const distributions::Distribution& fn, const at::Tensor& obs = {});
at::Tensor sample(const std::string& name, const distributions::DistPtr& fn, const at::Tensor& obs = {});
at::Tensor sample(const std::string& name, const distributions::DistPtr& fn, const SampleOptions& options);
at::Tensor sample(const std::string& name, const distributions::Distribution& fn, const SampleOptions& options);

/// A learnable parameter: created from `init` on first use in the current ParamStore, afterwards
/// read from it. Returns the constrained value; the store keeps the unconstrained tensor.
///
///   auto scale = pplx::param("scale", torch::ones({3}), pplx::constraints::positive);
at::Tensor param(const std::string& name, const at::Tensor& init = {},
                 const constraints::ConstraintPtr& constraint = constraints::real);
/// As above, with an initializer called only when the parameter does not exist yet.
at::Tensor param(const std::string& name, const std::function<at::Tensor()>& init_fn,
                 const constraints::ConstraintPtr& constraint = constraints::real);

/// Adds `log_factor` to the model's log density (an auxiliary observed site), Pyro's factor.
void factor(const std::string& name, const at::Tensor& log_factor);

/// Records `value` at a site without adding to the log density (Pyro's deterministic).
/// `event_dim` trailing dims of `value` form one event. Returns `value`.
at::Tensor deterministic(const std::string& name, const at::Tensor& value, int64_t event_dim = 0);

}  // namespace pplx
