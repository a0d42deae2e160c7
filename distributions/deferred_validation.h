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
/// throws the same pplx::ValueError the check would have thrown at once. Tensors whose check had a
/// verdict in a step that succeeded are remembered as valid (constants are then checked once, not
/// every step); checks without one cost nothing and are not remembered.
///
/// Scopes nest: an inner one joins the outer one, which owns the queue. Per thread; not copyable.
///
///   pplx::distributions::DeferredValidation deferred;
///   at::Tensor loss = deferred.run([&] { return elbo.differentiable_loss(model, guide); });
///   double value = deferred.read(loss);   // throws the first failed check's error
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
  /// Runs `fn` and returns its result. When `fn` throws, the queued checks are rerun first: a
  /// failed check explains what followed it (a shape or linear-algebra error downstream of a NaN
  /// parameter), so its pplx::ValueError is thrown instead; otherwise `fn`'s exception propagates.
  template <class Fn>
  decltype(auto) run(Fn&& fn) {
    try {
      return fn();
    } catch (...) {
      raise_first_failure();
      throw;
    }
  }
  /// Reads the one-element `loss` and every verdict in one host read. Not finite: reruns the
  /// checks and throws the first failure (see raise_first_failure). Then remembers the checked
  /// tensors (commit) and returns the value; a non-finite loss whose checks all hold is returned
  /// for the caller to report (it names the site, e.g. SVI's NonFiniteLossError).
  double read(const at::Tensor& loss);
  /// Remembers the tensors checked since the scope began as valid and drops the queue. Call it
  /// only after reading a finite guard(loss).
  void commit();

 private:
  bool owns_ = false;
};

}  // namespace distributions
}  // namespace pplx
