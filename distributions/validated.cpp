// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/detail/validated.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <pplx/distributions/deferred_validation.h>

#include <pplx/error.h>

namespace pplx {
namespace distributions {
namespace detail {
namespace {

struct Entry {
  const c10::TensorImpl* impl = nullptr;
  // Pins the TensorImpl's memory: while it is held, no other tensor can live at `impl`.
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> weak{
      c10::intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>()};
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

// Whether a and b are one set: the same object, or an equal one built anew (Constraint::same_as).
bool same_constraint(const constraints::ConstraintPtr& a, const constraints::ConstraintPtr& b) {
  return a == b || (a && b && a->same_as(*b));
}

// The entry remembering (t, c), or null.
Entry* find(const at::Tensor& t, const constraints::ConstraintPtr& c) {
  const c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  for (Entry& e : memory().entries)
    if (e.impl == impl && same_constraint(e.constraint, c)) return &e;
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

// A check queued by a DeferredValidation scope: its device-side verdict (undefined for checks
// only a NaN fails, see Constraint::only_rejects_nan) and how to rerun it on the host.
struct Pending {
  at::Tensor tensor;  // remembered on commit (undefined for require())
  constraints::ConstraintPtr constraint;
  int64_t version = 0;  // tensor's version when queued
  at::Tensor verdict;
  std::function<void()> rerun;  // checks now, throws on failure
};

struct Queue {
  std::vector<Pending> pending;
};

// The owning scope's queue on this thread, or null outside any scope.
thread_local Queue* active_queue = nullptr;

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

// The one path of validate() and expect_valid(): skips a remembered (t, c) or one already queued
// in this step; else queues it (with a device-side verdict when `verdict`) inside a scope, or
// checks it now outside one (only validate() does: `check_outside`).
void check_or_queue(const at::Tensor& t, const constraints::ConstraintPtr& c, RaiseFn raise, bool verdict,
                    bool check_outside) {
  Entry* slot = rememberable(t) ? find(t, c) : nullptr;
  if (slot && slot->version == t._version()) return;
  auto check_now = [t, c, raise = std::move(raise)] {
    if (!c->all_hold(t)) raise(c->check(t));
  };
  if (active_queue) {
    // A tensor checked twice in one step (a guide's draw replayed in the model, a parameter read
    // by two sites) is queued once.
    for (const Pending& p : active_queue->pending)
      if (same_constraint(p.constraint, c) && p.tensor.is_same(t) && p.version == t._version()) return;
    at::Tensor v = verdict ? c->all_hold_tensor(t) : at::Tensor();
    active_queue->pending.push_back({t, c, t._version(), std::move(v), std::move(check_now)});
    return;
  }
  if (!check_outside) return;
  check_now();
  if (rememberable(t)) remember(t, c, slot);
}

void validate(const at::Tensor& t, const constraints::ConstraintPtr& c, RaiseFn raise) {
  check_or_queue(t, c, std::move(raise), /*verdict=*/!c->only_rejects_nan(), /*check_outside=*/true);
}

void expect_valid(const at::Tensor& t, const constraints::ConstraintPtr& c, RaiseFn raise) {
  if (!active_queue || !t.defined() || !c) return;
  check_or_queue(t, c, std::move(raise), /*verdict=*/false, /*check_outside=*/false);
}

void require(const at::Tensor& ok, std::function<void()> raise) {
  auto check_now = [ok, raise = std::move(raise)] {
    if (!ok.item<bool>()) raise();
  };
  if (active_queue) {
    active_queue->pending.push_back({at::Tensor(), nullptr, 0, ok, std::move(check_now)});
    return;
  }
  check_now();
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

DeferredValidation::DeferredValidation() {
  if (detail::active_queue) return;  // joins the outer scope
  thread_local detail::Queue queue;  // its vector's storage is reused from step to step
  queue.pending.clear();
  detail::active_queue = &queue;
  owns_ = true;
}

DeferredValidation::~DeferredValidation() {
  if (!owns_) return;
  detail::active_queue->pending.clear();
  detail::active_queue = nullptr;
}

at::Tensor DeferredValidation::guard(const at::Tensor& value) const {
  if (!owns_) return value;
  std::vector<at::Tensor> verdicts;
  for (const auto& p : detail::active_queue->pending)
    if (p.verdict.defined()) verdicts.push_back(p.verdict);
  if (verdicts.empty()) return value;
  at::Tensor all = verdicts.size() == 1 ? verdicts[0] : at::stack(verdicts).all();
  if (all.device() != value.device()) all = all.to(value.device());
  return at::where(all, value, std::numeric_limits<double>::quiet_NaN());
}

void DeferredValidation::raise_first_failure() {
  if (!owns_) return;
  std::vector<detail::Pending> pending;
  std::swap(pending, detail::active_queue->pending);
  // Rerun with deferral off, so that each check reads its result and throws; the scope stays
  // the owner afterwards (also when a check throws).
  struct Resume {
    detail::Queue* queue;
    ~Resume() { detail::active_queue = queue; }
  } resume{detail::active_queue};
  detail::active_queue = nullptr;
  for (auto& p : pending) p.rerun();
}

double DeferredValidation::read(const at::Tensor& loss) {
  const double value = guard(loss).item<double>();
  if (!std::isfinite(value)) raise_first_failure();
  commit();
  return value;
}

void DeferredValidation::commit() {
  if (!owns_) return;
  // Only checks that cost an operator are worth remembering. Those without a verdict (NaN-only,
  // valid by construction) cost none, and most are of tensors new at every step: remembered,
  // they would push the constants (labels, prior parameters) out of the small memory.
  for (const auto& p : detail::active_queue->pending)
    if (p.constraint && p.verdict.defined() && detail::rememberable(p.tensor))
      detail::remember(p.tensor, p.constraint, detail::find(p.tensor, p.constraint));
  detail::active_queue->pending.clear();
}

}  // namespace distributions
}  // namespace pplx
