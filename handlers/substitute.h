// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/handlers/condition.h>

namespace pplx {
namespace handlers {

/// Replaces the values of param sites by fixed tensors (Pyro's substitute; params only, as in
/// Pyro 1.8 — use condition or replay for sample sites). Substituted params do not touch the store.
///
///   auto fixed = handlers::substitute(guide, {{"loc", torch::zeros({})}});
class SubstituteMessenger : public Messenger {
 public:
  explicit SubstituteMessenger(TensorMap data) : Messenger("substitute"), data_(std::move(data)) {}
  void process_message(Message& msg) override;

 private:
  TensorMap data_;
};

inline SubstituteMessenger substitute(TensorMap data) { return SubstituteMessenger(std::move(data)); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn, TensorMap>>>
Handled<SubstituteMessenger, std::decay_t<Fn>, TensorMap> substitute(Fn&& fn, TensorMap data) {
  return Handled<SubstituteMessenger, std::decay_t<Fn>, TensorMap>(std::forward<Fn>(fn), std::move(data));
}

}  // namespace handlers
}  // namespace pplx
