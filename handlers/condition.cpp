// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/condition.h>

#include <pplx/error.h>

namespace pplx {
namespace handlers {

ConditionMessenger::ConditionMessenger(const Trace& trace) : Messenger("condition") {
  for (const auto& s : trace)
    if (s.type == SiteType::sample) data_.emplace(s.name, s.value);
}

void ConditionMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::sample) return;
  auto it = data_.find(msg.name);
  if (it == data_.end()) return;
  PPLX_CHECK_AS(ValueError, it->second.defined(), "condition: value for site '", msg.name, "' is undefined");
  msg.value = it->second;
  msg.is_observed = true;
}

}  // namespace handlers
}  // namespace pplx
