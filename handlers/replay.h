// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <torch/arg.h>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>
#include <pplx/trace.h>

namespace pplx {
namespace handlers {

struct ReplayOptions {
  /// A latent sample site absent from the replayed trace is an error (true, the default) or is
  /// sampled afresh, as Pyro's replay does (false).
  TORCH_ARG(bool, strict) = true;
};

/// Makes sample, param and plate sites take the values recorded in `trace` (Pyro's replay): the
/// model then "sees" the guide's latent draws. Observed sites keep their data. The trace must
/// outlive the scope.
///
///   auto guide_tr = handlers::trace(guide).get_trace(x);
///   auto model_tr = handlers::trace(handlers::replay(model, guide_tr)).get_trace(x);
class ReplayMessenger : public Messenger {
 public:
  explicit ReplayMessenger(const Trace& trace, ReplayOptions options = {})
      : Messenger("replay"), trace_(trace), options_(options) {}
  void process_message(Message& msg) override;

 private:
  const Trace& trace_;
  ReplayOptions options_;
};

inline ReplayMessenger replay(const Trace& trace, ReplayOptions options = {}) {
  return ReplayMessenger(trace, options);
}
/// Wrapper form; the wrapper keeps its own copy of `trace`.
template <class Fn>
Handled<ReplayMessenger, std::decay_t<Fn>, Trace, ReplayOptions> replay(Fn&& fn, Trace trace,
                                                                        ReplayOptions options = {}) {
  return Handled<ReplayMessenger, std::decay_t<Fn>, Trace, ReplayOptions>(std::forward<Fn>(fn), std::move(trace),
                                                                          options);
}

}  // namespace handlers
}  // namespace pplx
