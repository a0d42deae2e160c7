// SPDX-License-Identifier: Apache-2.0
// The effect-handler stack: Messenger, apply_stack and the stack's queries, all defined in
// messenger.cpp (Pyro splits them over poutine/messenger.py and poutine/runtime.py). One stack
// per thread; handler scopes are RAII objects.
#pragma once

#include <vector>

#include <pplx/message.h>

namespace pplx {

/// Base class of every effect handler (Pyro's Messenger).
///
/// Constructing a messenger pushes it on the calling thread's handler stack; destroying it pops it,
/// so an exception thrown by a model unwinds the stack with no extra code. Messengers are neither
/// copyable nor movable. A messenger belongs to the thread that created it.
///
/// Order: when a primitive runs, process_message() is called from the innermost (most recently
/// entered) handler outwards until one sets msg.stop; then the default behaviour runs; then
/// postprocess_message() runs on the same handlers from the outermost reached back inwards.
class Messenger {
 public:
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;
  virtual ~Messenger();

  /// Called before the default behaviour, innermost handler first.
  virtual void process_message(Message&) {}
  /// Called after the default behaviour, outermost reached handler first.
  virtual void postprocess_message(Message&) {}
  /// Handler name for error messages ("trace", "replay", ...).
  const char* handler_name() const { return name_; }

 protected:
  /// Pushes the messenger on this thread's stack. `handler_name` must be a string literal.
  explicit Messenger(const char* handler_name);

 private:
  const char* name_;
};

/// Sends `msg` through the calling thread's handler stack (Pyro's apply_stack).
void apply_stack(Message& msg);

/// The handlers active on the calling thread, outermost first (read-only view for debugging).
const std::vector<Messenger*>& handler_stack();

/// Whether any handler is active on this thread (Pyro's am_i_wrapped). Also true while the stack
/// is flagged corrupt (see reset_handler_stack), so that the next primitive reports it.
bool am_i_wrapped();

/// Empties this thread's handler stack and clears a "corrupt stack" error (see ~Messenger).
/// Only for recovery after misuse; normal code never needs it.
void reset_handler_stack();

}  // namespace pplx
