// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

#include <ATen/core/Generator.h>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>

namespace pplx {
namespace handlers {

/// Draws every site inside from its own generator seeded with `seed` (NumPyro's seed), instead of
/// LibTorch's process-wide one: runs are reproducible and seeded fits in different threads do not
/// share random state. The innermost seed wins. The generator is a CPU generator: on CUDA, seed the
/// device with torch::manual_seed instead (LibTorch 1.13 has no public per-scope CUDA generator).
///
///   { auto s = handlers::seed(42);  auto tr = handlers::trace();  model(); }
class SeedMessenger : public Messenger {
 public:
  explicit SeedMessenger(uint64_t seed);
  void process_message(Message& msg) override;
  at::Generator& generator() { return gen_; }

 private:
  at::Generator gen_;
};

inline SeedMessenger seed(uint64_t s) { return SeedMessenger(s); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn>>>
Handled<SeedMessenger, std::decay_t<Fn>, uint64_t> seed(Fn&& fn, uint64_t s) {
  return Handled<SeedMessenger, std::decay_t<Fn>, uint64_t>(std::forward<Fn>(fn), s);
}

}  // namespace handlers
}  // namespace pplx
