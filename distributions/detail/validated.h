// SPDX-License-Identifier: Apache-2.0
// A per-thread memory of tensors that passed a constraint check. Models check the same constant
// tensors at every step — prior parameters captured by the model, observed data — and each check
// costs a comparison, a reduction and a device-to-host copy (a sync on CUDA). Remembering
// (tensor, version, constraint) turns those repeats into a pointer comparison.
#pragma once

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

/// What failed, for error messages, given `ok = c.check(t)`: "2 of 6 elements, e.g. -0.5" (an
/// example value only for elementwise constraints), "1 of 4 vectors" or "1 of 3 matrices".
std::string describe_violation(const at::Tensor& t, const at::Tensor& ok, const constraints::Constraint& c);

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
