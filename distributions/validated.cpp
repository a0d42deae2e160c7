// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/detail/validated.h>

#include <array>
#include <cstdint>

#include <pplx/error.h>

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

// The entry remembering (t, c), or null.
Entry* find(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  const c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  for (Entry& e : memory().entries)
    if (e.impl == impl && e.constraint == c) return &e;
  return nullptr;
}

// Records that t passed c, in `slot` when (t, c) already has an entry, else in the oldest one of
// the ring. An entry holds a weak reference to the tensor and a strong one to the constraint, so
// that neither address can be reused by another object while the entry lives.
void remember(const at::Tensor& t, const constraints::ConstraintPtr& c, Entry* slot) {
  if (!slot) {
    Memory& m = memory();
    slot = &m.entries[m.next];
    m.next = (m.next + 1) % Memory::kSize;
    slot->impl = t.unsafeGetTensorImpl();
    slot->weak = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(t.getIntrusivePtr());
    slot->constraint = c;
  }
  slot->version = t._version();
}

}  // namespace

bool known_valid(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  if (!rememberable(t)) return false;
  const Entry* e = find(t, c);
  return e && e->version == t._version();
}

at::Tensor check_remembered(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  // One scan of the memory: the entry found serves both the lookup and the update.
  Entry* slot = rememberable(t) ? find(t, c) : nullptr;
  if (slot && slot->version == t._version()) return {};
  if (!c->all_hold(t)) return c->check(t);
  if (rememberable(t)) remember(t, c, slot);
  return {};
}

std::string describe_violation(const at::Tensor& t, const at::Tensor& ok, const constraints::Constraint& c) {
  auto bad = ok.logical_not();
  const int64_t ed = c.event_dim();
  std::string what = ed == 0 ? " elements" : ed == 1 ? " vectors" : " matrices";
  std::string example;
  if (ed == 0 && bad.numel() == t.numel())
    example = pplx::detail::str(", e.g. ", t.masked_select(bad)[0].item<double>());
  return pplx::detail::str(bad.sum().item<int64_t>(), " of ", bad.numel(), what, example);
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
