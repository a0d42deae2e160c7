// SPDX-License-Identifier: Apache-2.0
// A per-thread memory of tensors that passed a constraint check. Models check the same constant
// tensors at every step — prior parameters captured by the model, observed data — and each check
// costs a comparison, a reduction and a device-to-host copy (a sync on CUDA). Remembering
// (tensor, version, constraint) turns those repeats into a pointer comparison.
#pragma once

#include <functional>
#include <string>

#include <ATen/ATen.h>

#include <pplx/distributions/constraints.h>

namespace pplx {
namespace distributions {
namespace detail {

/// Whether `t`, unchanged since (same TensorImpl, same version counter), already passed
/// `c->check` on this thread.
bool known_valid(const at::Tensor& t, const constraints::ConstraintPtr& c);

/// Checks `t` against `c` (all elements / events), consulting and filling the memory. Returns
/// the elementwise result only when the check fails (an undefined tensor when it passes).
at::Tensor check_remembered(const at::Tensor& t, const constraints::ConstraintPtr& c);

/// Throws the error of a failed check, given `ok = c->check(t)`.
using RaiseFn = std::function<void(const at::Tensor& ok)>;

/// Validates `t` against `c`: nothing when (t, c) is remembered; else, inside a DeferredValidation
/// scope, queues the check (see deferred_validation.h); else checks now (one host read), calls
/// `raise(c->check(t))` when it fails and remembers `t` when it passes. `raise` must not refer to
/// objects that may die before the scope ends: capture by value.
void validate(const at::Tensor& t, const constraints::ConstraintPtr& c, RaiseFn raise);

/// Records that `t` lies in `c` by construction: a parameter's transform_to(c) of a finite
/// unconstrained tensor, or a distribution's own draw from its support. It can leave `c` only by
/// floating-point saturation at the boundary (exp underflowing to 0) or by NaN, and either makes
/// every density of `t` non-finite. So inside a DeferredValidation scope the check is queued
/// without a device-side verdict, like a NaN-only check: it costs no operator, later checks of
/// (t, c) in the step join it, and it reruns (naming `t`) only when the loss is not finite.
/// Outside a scope it does nothing: later checks run as usual.
void expect_valid(const at::Tensor& t, const constraints::ConstraintPtr& c, RaiseFn raise);

/// A check that is not a constraint: `ok` is a 0-dim bool tensor; `raise()` throws when it is
/// false. Read now, or queued inside a DeferredValidation scope.
void require(const at::Tensor& ok, std::function<void()> raise);

/// What failed, for error messages, given `ok = c.check(t)`: "2 of 6 elements, e.g. -0.5" (an
/// example value only for elementwise constraints), "1 of 4 vectors" or "1 of 3 matrices".
std::string describe_violation(const at::Tensor& t, const at::Tensor& ok, const constraints::Constraint& c);

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
