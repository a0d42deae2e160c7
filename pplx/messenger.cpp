// SPDX-License-Identifier: Apache-2.0
// The handler stack, apply_stack and the default behaviour: all control flow of the
// effect-handler system is here (Pyro's poutine/runtime.py and Messenger's enter/exit).
#include <pplx/messenger.h>

#include <algorithm>

#include <ATen/ATen.h>

#include <pplx/distributions/detail/validated.h>
#include <pplx/error.h>
#include <pplx/param_store.h>
#include <pplx/validation.h>

namespace pplx {
namespace {

// Per thread, so that each thread can run its own model (Pyro's _PYRO_STACK is process-wide).
struct StackState {
  std::vector<Messenger*> stack;  // outermost first
  std::string corrupt;            // non-empty once a handler left the stack out of order
};
StackState& state() {
  thread_local StackState s;
  return s;
}

// Values in their constraint by construction (see distributions::detail::expect_valid): checked
// within a step only if its loss turns out not finite.
void expect_valid(const at::Tensor& value, const constraints::ConstraintPtr& c, const std::string& name,
                  const char* what) {
  distributions::detail::expect_valid(value, c, [value, c, name, what](const at::Tensor& ok) {
    throw ValueError(what, " '", name, "' of shape ", distributions::shape_str(value.sizes()), " is outside ",
                     c->describe(), " (", distributions::detail::describe_violation(value, ok, *c),
                     "): a parameter or draw saturated at the constraint's boundary, or NaN; "
                     "lower the learning rate or check the initial values");
  });
}

// What happens when no handler has set msg.done (Pyro's default_process_message).
void default_process_message(Message& msg) {
  if (msg.done || msg.value.defined()) {
    msg.done = true;
    return;
  }
  switch (msg.type) {
    case SiteType::sample:
      // Like Pyro's dist.__call__: rsample where reparameterizable, so gradients reach the guide.
      msg.value = msg.fn->draw({}, msg.generator);
      if (is_validation_enabled()) expect_valid(msg.value, msg.fn->support(), msg.name, "a draw of sample site");
      break;
    case SiteType::param:
      msg.value = get_param_store().get_or_create(msg.name, msg.init, msg.init_fn, msg.constraint, &msg.unconstrained);
      if (is_validation_enabled() && msg.constraint) expect_valid(msg.value, msg.constraint, msg.name, "param");
      break;
    case SiteType::plate:
      // The plate's own draw (pplx/plate.cpp), as Pyro's plate site calls its _Subsample fn.
      msg.value = msg.subsample_fn(msg);
      break;
  }
  msg.done = true;
}

}  // namespace

Messenger::Messenger(const char* handler_name) : name_(handler_name) { state().stack.push_back(this); }

Messenger::~Messenger() {
  auto& s = state();
  if (!s.stack.empty() && s.stack.back() == this) {
    s.stack.pop_back();
    return;
  }
  // Out-of-order exit (e.g. scopes held in heap objects destroyed in the wrong order). Remove the
  // dangling pointer so nothing calls into a dead object, and make every later primitive fail loudly.
  auto it = std::find(s.stack.begin(), s.stack.end(), this);
  if (it == s.stack.end()) return;
  std::string inner = s.stack.back()->handler_name();
  s.stack.erase(it);
  if (s.corrupt.empty())
    s.corrupt = pplx::detail::str("handler '", handler_name(), "' was exited while handler '", inner,
                                  "' (entered after it) was still active");
}

const std::vector<Messenger*>& handler_stack() { return state().stack; }
// A corrupt stack counts as wrapped, so that primitives take the apply_stack path and report it
// even after the last (out-of-order) scope has ended and the stack looks empty.
bool am_i_wrapped() { return !state().stack.empty() || !state().corrupt.empty(); }
void reset_handler_stack() {
  state().stack.clear();
  state().corrupt.clear();
}

void apply_stack(Message& msg) {
  auto& s = state();
  if (!s.corrupt.empty())
    throw Error("pplx: corrupt handler stack at ", to_string(msg.type), " site '", msg.name, "': ", s.corrupt,
                ". Handler scopes must end in the reverse order they began; call "
                "pplx::reset_handler_stack() to recover.");
  const auto& stack = s.stack;
  const size_t n = stack.size();
  size_t reached = 0;
  for (size_t i = n; i-- > 0;) {
    ++reached;
    stack[i]->process_message(msg);
    if (msg.stop) break;
  }
  default_process_message(msg);
  for (size_t i = n - reached; i < n; ++i) stack[i]->postprocess_message(msg);
}

}  // namespace pplx
