// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/lift.h>

#include <pplx/error.h>

namespace pplx {
namespace handlers {

void LiftMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::param) return;
  auto seen = drawn_.find(msg.name);
  if (seen != drawn_.end()) {
    // A repeated read of a lifted parameter: the same draw, as an observed site that stops here
    // so that outer handlers (trace) see the random variable once (Pyro's lift does the same).
    msg.type = SiteType::sample;
    msg.fn = seen->second.fn;
    msg.value = seen->second.value;
    msg.is_observed = true;
    msg.infer = InferConfig();
    msg.done = true;
    msg.stop = true;
    return;
  }
  at::Tensor current = msg.init.defined() ? msg.init : (msg.init_fn ? msg.init_fn() : at::Tensor());
  distributions::DistPtr prior;
  try {
    prior = prior_.for_param(user_param_name(msg.name), current);
  } catch (const ShapeError& e) {
    throw ShapeError("lift, param site '", msg.name, "': ", e.what());
  }
  if (!prior) return;
  // From here on the site is a random variable: outer handlers (trace, replay) see a sample site.
  msg.type = SiteType::sample;
  msg.fn = std::move(prior);
  msg.is_observed = false;
  msg.infer = InferConfig();
  msg.value = at::Tensor();
  msg.done = false;
  lifting_ = msg.name;
}

void LiftMessenger::postprocess_message(Message& msg) {
  // The message lifted above, back with its final value (drawn, or set by an outer replay).
  // Recorded only now, so that a read that threw on its way out draws afresh next time.
  if (lifting_.empty() || msg.type != SiteType::sample || msg.name != lifting_) return;
  drawn_[lifting_] = Drawn{msg.fn, msg.value};
  lifting_.clear();
}

}  // namespace handlers
}  // namespace pplx
