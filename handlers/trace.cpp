// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/trace.h>

namespace pplx {
namespace handlers {

// Record in postprocess, after the default behaviour: only then is the value final (as in Pyro).
void TraceMessenger::postprocess_message(Message& msg) {
  if (options_.param_only() && msg.type != SiteType::param) return;
  trace_->add(msg);
}

}  // namespace handlers
}  // namespace pplx
