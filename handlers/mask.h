// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ATen/ATen.h>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>

namespace pplx {
namespace handlers {

/// Zeroes the log-density of sample sites inside wherever the bool `mask` is false (Pyro's mask);
/// masks of nested handlers combine with logical and. The mask broadcasts to each site's batch shape.
///
///   { auto m = handlers::mask(y_is_present);  pplx::sample("y", lik, y); }
class MaskMessenger : public Messenger {
 public:
  /// Throws pplx::ValueError unless `mask` is a bool tensor.
  explicit MaskMessenger(at::Tensor mask);
  explicit MaskMessenger(bool mask);
  void process_message(Message& msg) override;

 private:
  at::Tensor mask_;
};

inline MaskMessenger mask(at::Tensor m) { return MaskMessenger(std::move(m)); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn, at::Tensor, bool>>>
Handled<MaskMessenger, std::decay_t<Fn>, at::Tensor> mask(Fn&& fn, at::Tensor m) {
  return Handled<MaskMessenger, std::decay_t<Fn>, at::Tensor>(std::forward<Fn>(fn), std::move(m));
}

}  // namespace handlers
}  // namespace pplx
