// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <torch/arg.h>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>
#include <pplx/trace.h>

namespace pplx {
namespace handlers {

struct TraceOptions {
  /// Record only param sites (what SVI uses to find the parameters a step touches).
  TORCH_ARG(bool, param_only) = false;
};

/// Records every site that reaches it, in order, into a Trace (Pyro's TraceMessenger). By default
/// the messenger owns the trace; given a Trace, it records into that one (cleared first, its
/// storage reused), so that a loop can keep one trace across steps without copying it.
///
///   { auto tr = handlers::trace();  model(x);  for (auto& s : tr.get_trace()) ...; }
class TraceMessenger : public Messenger {
 public:
  explicit TraceMessenger(TraceOptions options = {}) : Messenger("trace"), options_(options), trace_(&own_) {}
  /// Records into `into`, which must outlive the messenger.
  explicit TraceMessenger(Trace& into, TraceOptions options = {})
      : Messenger("trace"), options_(options), trace_(&into) {
    into.clear();
  }
  void postprocess_message(Message& msg) override;

  const Trace& get_trace() const { return *trace_; }
  Trace& get_trace() { return *trace_; }
  /// Moves the trace out (the messenger keeps an empty one).
  Trace take_trace() { return std::move(*trace_); }

 private:
  TraceOptions options_;
  Trace own_;
  Trace* trace_;  // &own_, or the caller's trace
};

/// A callable running fn under a TraceMessenger; get_trace(args...) runs it and returns the trace.
template <class Fn>
class TraceHandled {
 public:
  TraceHandled(Fn fn, TraceOptions options) : fn_(std::move(fn)), options_(options) {}
  template <class... Args>
  Trace get_trace(Args&&... args) {
    TraceMessenger tm(options_);
    fn_(std::forward<Args>(args)...);
    return tm.take_trace();
  }
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    TraceMessenger tm(options_);
    return fn_(std::forward<Args>(args)...);
  }

 private:
  Fn fn_;
  TraceOptions options_;
};

/// Scope form: `auto tr = handlers::trace();` records until `tr` goes out of scope.
inline TraceMessenger trace(TraceOptions options = {}) { return TraceMessenger(options); }
/// Wrapper form: `handlers::trace(model).get_trace(x, y)`.
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn, TraceOptions>>>
TraceHandled<std::decay_t<Fn>> trace(Fn&& fn, TraceOptions options = {}) {
  return TraceHandled<std::decay_t<Fn>>(std::forward<Fn>(fn), options);
}

}  // namespace handlers
}  // namespace pplx
