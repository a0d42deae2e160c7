// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/seed.h>

#include <ATen/CPUGeneratorImpl.h>

namespace pplx {
namespace handlers {

SeedMessenger::SeedMessenger(uint64_t seed) : Messenger("seed"), gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

void SeedMessenger::process_message(Message& msg) {
  if (!msg.generator) msg.generator = gen_;
}

}  // namespace handlers
}  // namespace pplx
