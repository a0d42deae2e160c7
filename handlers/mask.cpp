// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/mask.h>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace handlers {

MaskMessenger::MaskMessenger(at::Tensor mask) : Messenger("mask"), mask_(std::move(mask)) {
  PPLX_CHECK_AS(ValueError, mask_.defined() && mask_.scalar_type() == at::kBool,
                "handlers::mask: mask must be a bool tensor, got ",
                mask_.defined() ? c10::toString(mask_.scalar_type()) : "an undefined tensor");
}
MaskMessenger::MaskMessenger(bool mask) : Messenger("mask"), mask_(at::scalar_tensor(mask, at::kBool)) {}

void MaskMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::sample) return;
  msg.mask = msg.mask.defined() ? msg.mask.logical_and(mask_) : mask_;
}

}  // namespace handlers
}  // namespace pplx
