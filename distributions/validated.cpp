// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/detail/validated.h>

#include <array>
#include <cstdint>

namespace pplx {
namespace distributions {
namespace detail {
namespace {

struct Entry {
  const c10::TensorImpl* impl = nullptr;
  // Pins the TensorImpl's memory: while it is held, no other tensor can live at `impl`.
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> weak{c10::intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>()};
  int64_t version = 0;
  constraints::ConstraintPtr constraint;
};

struct Memory {
  static constexpr size_t kSize = 32;
  std::array<Entry, kSize> entries;
  size_t next = 0;
};

Memory& memory() {
  thread_local Memory m;
  return m;
}

// Inference-mode tensors have no version counter: they are never remembered.
bool rememberable(const at::Tensor& t) { return t.defined() && !t.is_inference(); }

}  // namespace

bool known_valid(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  if (!rememberable(t)) return false;
  const c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  for (const Entry& e : memory().entries)
    if (e.impl == impl && e.constraint == c) return e.version == t._version();
  return false;
}

void remember_valid(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  if (!rememberable(t)) return;
  Memory& m = memory();
  const c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  Entry* slot = nullptr;
  for (Entry& e : m.entries)
    if (e.impl == impl && e.constraint == c) slot = &e;
  if (!slot) {
    slot = &m.entries[m.next];
    m.next = (m.next + 1) % Memory::kSize;
    slot->impl = impl;
    slot->weak = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(t.getIntrusivePtr());
    slot->constraint = c;
  }
  slot->version = t._version();
}

at::Tensor check_remembered(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  if (known_valid(t, c)) return {};
  if (!c->all_hold(t)) return c->check(t);
  remember_valid(t, c);
  return {};
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
