// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <unordered_map>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>
#include <pplx/trace.h>

namespace pplx {
namespace handlers {

/// Site name -> tensor.
using TensorMap = std::unordered_map<std::string, at::Tensor>;

/// Observes sample sites at the given values (Pyro's condition): each named site becomes observed,
/// so its log-density counts in the model and it is not sampled.
///
///   auto conditioned = handlers::condition(model, {{"x", x_data}});
class ConditionMessenger : public Messenger {
 public:
  explicit ConditionMessenger(TensorMap data) : Messenger("condition"), data_(std::move(data)) {}
  /// Conditions on the values of the sample sites of `trace`.
  explicit ConditionMessenger(const Trace& trace);
  void process_message(Message& msg) override;

 private:
  TensorMap data_;
};

inline ConditionMessenger condition(TensorMap data) { return ConditionMessenger(std::move(data)); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn, TensorMap>>>
Handled<ConditionMessenger, std::decay_t<Fn>, TensorMap> condition(Fn&& fn, TensorMap data) {
  return Handled<ConditionMessenger, std::decay_t<Fn>, TensorMap>(std::forward<Fn>(fn), std::move(data));
}

}  // namespace handlers
}  // namespace pplx
