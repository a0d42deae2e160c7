// SPDX-License-Identifier: Apache-2.0
// Validation read once per step: checks queue their verdicts on the device and the step reads
// them together with its loss, so that validation costs no host-device synchronisation.
#pragma once

#include <ATen/ATen.h>

namespace pplx {
namespace distributions {

/// While one lives on a thread, the validation checks of distributions (parameter constraints,
/// supports, positive definiteness) do not read their results back: each queues a device-side
/// verdict, and the owner reads them all at once with the loss (SVI does: its step reads one
/// number). Checks for NaN alone (the `real` constraint) queue no verdict at all: a NaN in a
/// density's inputs makes the loss NaN, which the step reads anyway. When the loss is not finite
/// or an error escapes, raise_first_failure() reruns the queued checks on the host, in order, and
/// throws the same pplx::ValueError the check would have thrown at once. Tensors checked in a step
/// that succeeded are remembered as valid (constants are then checked once, not every step).
///
/// Scopes nest: an inner one joins the outer one, which owns the queue. Per thread; not copyable.
///
///   pplx::distributions::DeferredValidation deferred;
///   at::Tensor loss = elbo.differentiable_loss(model, guide);
///   double value = deferred.guard(loss).item<double>();     // NaN if a check failed
///   if (!std::isfinite(value)) deferred.raise_first_failure();
///   deferred.commit();
class DeferredValidation {
 public:
  DeferredValidation();
  ~DeferredValidation();
  DeferredValidation(const DeferredValidation&) = delete;
  DeferredValidation& operator=(const DeferredValidation&) = delete;

  /// Whether this scope owns the queue (it is the outermost one on the thread).
  bool owns() const { return owns_; }
  /// `value` where every queued verdict holds, NaN (of value's dtype) otherwise: one where(), or
  /// `value` itself when nothing was queued. Reading it reads the verdicts at the same time.
  at::Tensor guard(const at::Tensor& value) const;
  /// Reruns the queued checks on the host, in the order they were queued, and throws the first
  /// failure's pplx::ValueError. Returns when every check holds. Drops the queue either way.
  void raise_first_failure();
  /// Remembers the tensors checked since the scope began as valid and drops the queue. Call it
  /// only after reading a finite guard(loss).
  void commit();

 private:
  bool owns_ = false;
};

}  // namespace distributions
}  // namespace pplx
