// SPDX-License-Identifier: Apache-2.0
// The message a primitive sends through the handler stack, and the site record a Trace keeps.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/distributions/transforms.h>

namespace pplx {

/// What kind of primitive sent the message.
enum class SiteType {
  sample,  ///< pplx::sample, pplx::factor, pplx::deterministic
  param,   ///< pplx::param (and module parameters)
  plate,   ///< a plate's subsample indices (Pyro's _Subsample site); ignored by ELBOs
};
/// "sample", "param" or "plate", for error messages.
///
///   pplx::to_string(msg.type)   // "plate"
inline const char* to_string(SiteType t) {
  switch (t) {
    case SiteType::sample: return "sample";
    case SiteType::param: return "param";
    case SiteType::plate: return "plate";
  }
  return "?";
}

/// One enclosing plate as seen by a site (Pyro's CondIndepStackFrame).
struct PlateFrame {
  std::string name;
  int64_t size = 0;            ///< full size of the plate
  int64_t subsample_size = 0;  ///< size of this step's subsample (== size when not subsampling)
  int64_t dim = -1;            ///< negative batch dim the plate occupies
};

/// Per-site options read by inference algorithms (Pyro's msg["infer"]).
struct InferConfig {
  /// Set by factor(): the site's value is a placeholder, only its log-density counts.
  bool is_auxiliary = false;
  /// Set by deterministic(): the site records a value, its log-density is zero.
  bool is_deterministic = false;
};

/// A message travelling through the handler stack. Handlers read and modify it; a Trace stores
/// copies of finished messages as its sites. Fields not relevant to a type stay default.
struct Message {
  SiteType type = SiteType::sample;
  std::string name;
  /// Sample sites: the distribution (after plates broadcast it). Null for param and plate sites.
  distributions::DistPtr fn;
  /// The site's value; undefined until a handler or the default behaviour sets it.
  at::Tensor value;
  bool is_observed = false;
  /// Product of enclosing scale handlers and size/subsample_size of subsampled plates.
  double scale = 1.0;
  /// Bool tensor broadcastable to fn's batch shape; undefined means "no mask".
  at::Tensor mask;
  /// Enclosing plates, outermost first.
  std::vector<PlateFrame> plates;
  InferConfig infer;
  /// done: value is final, the default behaviour does nothing. stop: outer handlers are skipped.
  bool done = false;
  bool stop = false;
  /// Generator used by the default sampler; set by handlers::seed. Empty: LibTorch's default.
  distributions::Generator generator;

  // --- param sites -------------------------------------------------------------------------
  at::Tensor init;                        ///< initial constrained value (or undefined)
  std::function<at::Tensor()> init_fn;    ///< lazy initial value (used when init is undefined)
  constraints::ConstraintPtr constraint;  ///< the parameter's constraint (null means real)
  at::Tensor unconstrained;               ///< the store's leaf tensor the optimizer updates

  // --- plate sites -------------------------------------------------------------------------
  int64_t plate_size = 0;
  int64_t plate_subsample_size = 0;
  c10::optional<c10::Device> plate_device;
  /// Draws the indices when no handler has set them, from the fields above and `generator`: the
  /// plate's counterpart of `fn` (Pyro's _Subsample distribution). Set by pplx::plate.
  std::function<at::Tensor(const Message&)> subsample_fn;

  // --- filled by Trace::compute_log_prob ---------------------------------------------------
  at::Tensor unscaled_log_prob;  ///< fn->log_prob(value)
  at::Tensor log_prob;           ///< after scale and mask
  at::Tensor log_prob_sum;       ///< log_prob.sum()
};

/// A site of a Trace is a finished message.
using Site = Message;

}  // namespace pplx
