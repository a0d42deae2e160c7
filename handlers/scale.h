// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>

namespace pplx {
namespace handlers {

/// Multiplies the log-density of every sample site inside by `scale` (Pyro's scale), e.g. to
/// anneal a KL term or to weight a minibatch.
///
///   { auto s = handlers::scale(0.1);  pplx::sample("z", prior); }   // z's log-prob counts 0.1x
class ScaleMessenger : public Messenger {
 public:
  /// Throws pplx::ValueError unless scale > 0 (and finite).
  explicit ScaleMessenger(double scale);
  void process_message(Message& msg) override { msg.scale *= scale_; }
  double scale() const { return scale_; }

 private:
  double scale_;
};

inline ScaleMessenger scale(double s) { return ScaleMessenger(s); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn>>>
Handled<ScaleMessenger, std::decay_t<Fn>, double> scale(Fn&& fn, double s) {
  return Handled<ScaleMessenger, std::decay_t<Fn>, double>(std::forward<Fn>(fn), s);
}

}  // namespace handlers
}  // namespace pplx
