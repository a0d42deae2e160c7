// SPDX-License-Identifier: Apache-2.0
#include <pplx/plate.h>

#include <tuple>

#include <ATen/ATen.h>

#include <pplx/distributions/detail/random.h>
#include <pplx/distributions/detail/versioned_cache.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace {

// Which negative batch dims the active plates of this thread occupy (Pyro's _DIM_ALLOCATOR).
// Slot i holds the name of the plate at dim -(i+1), or is empty.
std::vector<std::string>& dim_slots() {
  thread_local std::vector<std::string> slots;
  return slots;
}

int64_t allocate_dim(const std::string& name, c10::optional<int64_t> requested) {
  auto& slots = dim_slots();
  for (const auto& s : slots)
    PPLX_CHECK_AS(ValueError, s != name, "plate '", name,
                  "': a plate with this name is already active; nested "
                  "plates need distinct names");
  int64_t dim;
  if (requested) {
    dim = *requested;
    PPLX_CHECK_AS(ValueError, dim < 0, "plate '", name,
                  "': dim must be negative (a batch dim counted from the "
                  "right), got ",
                  dim);
    size_t slot = static_cast<size_t>(-dim - 1);
    PPLX_CHECK_AS(ValueError, slot >= slots.size() || slots[slot].empty(), "plate '", name, "': dim ", dim,
                  " is already used by enclosing plate '", slot < slots.size() ? slots[slot] : "", "'");
  } else {
    size_t slot = 0;
    while (slot < slots.size() && !slots[slot].empty()) ++slot;
    dim = -static_cast<int64_t>(slot) - 1;
  }
  size_t slot = static_cast<size_t>(-dim - 1);
  if (slots.size() <= slot) slots.resize(slot + 1);
  slots[slot] = name;
  return dim;
}

void free_dim(int64_t dim) {
  auto& slots = dim_slots();
  size_t slot = static_cast<size_t>(-dim - 1);
  if (slot < slots.size()) slots[slot].clear();
  while (!slots.empty() && slots.back().empty()) slots.pop_back();
}

// arange(size) for a plate that does not subsample: the same tensor at every step (no operator),
// unless it was changed in place; fresh under InferenceMode (see VersionedCache).
at::Tensor full_plate_indices(int64_t size, c10::Device device) {
  thread_local distributions::detail::VersionedCache<std::tuple<int64_t, c10::Device>, 8> cache;
  return cache.get({size, device},
                   [&] { return at::arange(size, at::TensorOptions().dtype(at::kLong).device(device)); });
}

// The plate site's subsample_fn (Pyro's _Subsample distribution): what the default behaviour
// calls when no handler has supplied the indices.
at::Tensor draw_subsample(const Message& msg) {
  const c10::Device device = msg.plate_device.value_or(c10::Device(c10::kCPU));
  if (msg.plate_subsample_size >= msg.plate_size) return full_plate_indices(msg.plate_size, device);
  // Sampling without replacement, as Pyro's _Subsample does (a random permutation's prefix). A
  // seeded run draws with handlers::seed's CPU generator, then moves the indices, as the
  // distributions' samplers do.
  const c10::Device draw_on = distributions::detail::draw_device(msg.generator, device);
  at::Tensor indices = at::randperm(msg.plate_size, msg.generator, at::TensorOptions().dtype(at::kLong).device(draw_on))
                           .narrow(0, 0, msg.plate_subsample_size);
  return draw_on != device ? indices.to(device) : indices;
}

// Sends the plate site through the stack *before* the plate is active (as Pyro's plate does in
// __init__), so that trace records the indices and replay can supply the guide's.
at::Tensor subsample_site(const PlateFrame& f, const PlateOptions& o) {
  Message msg;
  msg.type = SiteType::plate;
  msg.name = f.name;
  msg.plate_size = f.size;
  msg.plate_subsample_size = f.subsample_size;
  msg.plate_device = o.device();
  msg.subsample_fn = draw_subsample;
  if (o.subsample().defined()) msg.value = o.subsample();
  apply_stack(msg);
  PPLX_CHECK_AS(ShapeError, msg.value.dim() == 1 && msg.value.size(0) == f.subsample_size, "plate '", f.name,
                "': subsample indices must have shape [", f.subsample_size, "], got ",
                distributions::shape_str(msg.value.sizes()));
  // Indices feed index_select: a float tensor would fail deep inside LibTorch, an out-of-range
  // index would read past the data (a device-side assert on CUDA). Check them here, by name.
  PPLX_CHECK_AS(ValueError, msg.value.scalar_type() == at::kLong || msg.value.scalar_type() == at::kInt, "plate '",
                f.name, "': subsample indices must be an integer (int64) tensor, got ", msg.value.scalar_type(),
                "; build them with torch::arange / torch::randperm or convert with .to(torch::kLong)");
  if (is_validation_enabled() && o.subsample().defined()) {  // only indices pplx did not draw itself
    // Checked now, not deferred with the other validation checks: an out-of-range index reaching
    // a CUDA kernel is a device-side assert that ends the process. Both bounds come back in one
    // read (user-given indices cost that one host read per step; indices the plate draws, none).
    auto bounds = at::stack({msg.value.min(), msg.value.max()}).to(at::kCPU);
    const int64_t lo = bounds[0].item<int64_t>(), hi = bounds[1].item<int64_t>();
    PPLX_CHECK_AS(ValueError, lo >= 0 && hi < f.size, "plate '", f.name, "': subsample indices must lie in [0, ",
                  f.size, "), got values in [", lo, ", ", hi, "]");
  }
  return msg.value;
}

}  // namespace

// The Messenger base constructor pushes the plate before its frame is set; that is safe because
// nothing calls process_message until the constructor has returned. The subsample site is sent
// while the plate is on the stack but marked inactive (frame_.size == 0), like Pyro's ordering.
PlateMessenger::PlateMessenger(std::string name, int64_t size, PlateOptions o) : Messenger("plate") {
  PPLX_CHECK_AS(ValueError, size > 0, "plate '", name, "': size must be positive, got ", size);
  int64_t sub = o.subsample().defined() ? o.subsample().numel() : o.subsample_size().value_or(size);
  PPLX_CHECK_AS(ValueError, sub > 0 && sub <= size, "plate '", name, "': subsample_size ", sub,
                " must be in [1, size=", size,
                "]; size is the number of data points, subsample_size the minibatch size");
  PlateFrame f;
  f.name = std::move(name);
  f.size = size;
  f.subsample_size = sub;
  f.dim = allocate_dim(f.name, o.dim());
  try {
    indices_ = subsample_site(f, o);
  } catch (...) {
    free_dim(f.dim);
    throw;
  }
  frame_ = std::move(f);
}

PlateMessenger::PlateMessenger(std::string name, int64_t size, int64_t subsample_size, c10::optional<int64_t> dim)
    : PlateMessenger(std::move(name), size, PlateOptions().subsample_size(subsample_size).dim(dim)) {}

PlateMessenger::~PlateMessenger() {
  if (frame_.size > 0) free_dim(frame_.dim);
}

at::Tensor PlateMessenger::subsample(const at::Tensor& data, int64_t dim) const {
  PPLX_CHECK_AS(ShapeError, data.dim() > 0 && data.size(dim < 0 ? dim + data.dim() : dim) == frame_.size, "plate '",
                frame_.name, "'.subsample(): data of shape ", distributions::shape_str(data.sizes()),
                " must have size ", frame_.size, " in dim ", dim);
  if (frame_.subsample_size == frame_.size) return data;
  return data.index_select(dim, indices_.to(data.device()));
}

void PlateMessenger::process_message(Message& msg) {
  if (frame_.size == 0 || msg.type == SiteType::plate) return;  // not yet active / nested plate sites
  msg.plates.insert(msg.plates.begin(), frame_);
  msg.scale *= static_cast<double>(frame_.size) / static_cast<double>(frame_.subsample_size);
  if (msg.type != SiteType::sample || msg.done || !msg.fn) return;

  // Broadcast the distribution so that batch dim `dim` has the subsample size (Pyro's
  // BroadcastMessenger): sizes of 1 stretch, other mismatches are errors naming the site.
  const auto actual = msg.fn->batch_shape();
  const int64_t need = std::max<int64_t>(actual.size(), -frame_.dim);
  std::vector<int64_t> target(need, 1);
  std::copy(actual.begin(), actual.end(), target.end() - actual.size());
  int64_t& slot = target[need + frame_.dim];
  PPLX_CHECK_AS(ShapeError, slot == 1 || slot == frame_.subsample_size, "sample site '", msg.name, "' inside plate '",
                frame_.name, "': batch_shape ", distributions::shape_str(actual), " has size ", slot, " at dim ",
                frame_.dim, " but the plate has size ", frame_.subsample_size,
                ". Make that dim 1 or the plate size, or give the plate another dim.");
  slot = frame_.subsample_size;
  if (c10::IntArrayRef(target) != actual) msg.fn = msg.fn->expand(target);
}

namespace detail {

void replay_plate(Message& msg, const Site& recorded) {
  PPLX_CHECK_AS(SiteError, recorded.type == SiteType::plate, "replay: plate '", msg.name, "' is a ",
                to_string(recorded.type), " site in the replayed trace");
  PPLX_CHECK_AS(ShapeError, recorded.plate_size == msg.plate_size, "replay: plate '", msg.name, "' has size ",
                msg.plate_size, " here but ", recorded.plate_size, " in the replayed trace");
  msg.value = recorded.value;
  msg.done = true;
}

void check_plate_reentered(const Site& first, const Message& again) {
  PPLX_CHECK_AS(ShapeError, first.plate_size == again.plate_size, "plate '", again.name,
                "' reused with a different size: first ", first.plate_size, ", now ", again.plate_size,
                ". One name must mean one plate; rename one of them");
}

}  // namespace detail
}  // namespace pplx
