// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/substitute.h>

#include <pplx/error.h>

namespace pplx {
namespace handlers {

void SubstituteMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::param) return;
  auto it = data_.find(msg.name);
  if (it == data_.end()) return;
  PPLX_CHECK_AS(ValueError, it->second.defined(), "substitute: value for param '", msg.name, "' is undefined");
  msg.value = it->second;
  msg.done = true;
}

}  // namespace handlers
}  // namespace pplx
