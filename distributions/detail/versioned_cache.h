// SPDX-License-Identifier: Apache-2.0
// A few tensors that a model asks for again at every step (a number given as a parameter, a full
// plate's arange) handed out as the same tensor each time: no operator runs to remake them, and
// validation, which remembers tensors that passed, checks them once. Internal header.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

namespace pplx {
namespace distributions {
namespace detail {

/// A ring of the last `N` tensors made under distinct keys. get() hands a tensor out again only
/// while it is unchanged: same version counter (not modified in place) and not made to require
/// grad. Under InferenceMode it makes a fresh tensor and caches nothing (an inference tensor
/// cannot be saved for backward later). Not thread-safe: keep one per thread (`thread_local`).
/// `Key` needs operator==; a std::tuple of the tensor's recipe is the usual choice.
///
///   thread_local VersionedCache<std::tuple<int64_t, c10::Device>, 8> cache;
///   auto idx = cache.get({n, device}, [&] { return at::arange(n, at::TensorOptions().device(device)); });
template <class Key, std::size_t N>
class VersionedCache {
 public:
  /// The tensor cached under `key`, or `make()` (cached under `key`, evicting the oldest entry).
  template <class Make>
  at::Tensor get(const Key& key, Make&& make) {
    if (c10::InferenceMode::is_enabled()) return make();
    for (const Entry& e : entries_)
      if (e.key && *e.key == key && e.tensor._version() == e.version && !e.tensor.requires_grad()) return e.tensor;
    Entry& e = entries_[next_];
    next_ = (next_ + 1) % N;
    e.tensor = make();
    e.key = key;
    e.version = e.tensor._version();
    return e.tensor;
  }

 private:
  struct Entry {
    std::optional<Key> key;  // empty: the slot was never filled
    at::Tensor tensor;
    int64_t version = 0;
  };
  std::array<Entry, N> entries_;
  std::size_t next_ = 0;
};

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
