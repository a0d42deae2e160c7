// SPDX-License-Identifier: Apache-2.0
#include <pplx/module_copies.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include <c10/core/InferenceMode.h>
#include <c10/util/Type.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/variable.h>

#include <pplx/error.h>

namespace pplx {
namespace detail {
namespace {

using ModulePtr = std::shared_ptr<torch::nn::Module>;

// How many handles refer to each thing a caller could hold of `copy`: the modules of its tree,
// then its parameters and buffers. Measured with exactly one temporary handle of ours on each,
// so two measurements compare.
std::vector<long> observers(const ModulePtr& copy) {
  std::vector<long> n;
  for (const auto& m : copy->modules(/*include_self=*/true)) n.push_back(m.use_count());
  for (const auto& t : copy->parameters(/*recurse=*/true)) n.push_back(t.use_count());
  for (const auto& t : copy->buffers(/*recurse=*/true)) n.push_back(t.use_count());
  return n;
}

bool same_tensors(const torch::OrderedDict<std::string, at::Tensor>& a,
                  const torch::OrderedDict<std::string, at::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const at::Tensor &x = a[i].value(), &y = b[i].value();
    if (a[i].key() != b[i].key() || x.sizes() != y.sizes() || x.scalar_type() != y.scalar_type() ||
        x.device() != y.device())
      return false;
  }
  return true;
}

// What clone() copies besides tensors and flags, as far as it can be read: the tree's module names
// and types, and each module's options as pretty_print shows them (torch's modules print them
// all). A module's own fields that it does not print cannot be compared.
std::string layout(const torch::nn::Module& module) {
  std::ostringstream out;
  for (const auto& item : module.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    out << item.key() << ' ' << typeid(*item.value()).name() << ' ';
    item.value()->pretty_print(out);
    out << '\n';
  }
  return out.str();
}

// Types declared by allow_copy_reuse, shared by all threads.
struct ReusableTypes {
  std::mutex mutex;
  std::unordered_set<std::type_index> types;
};

ReusableTypes& reusable_types() {
  static ReusableTypes r;
  return r;
}

// Whether every module of the tree keeps no state that layout() and the tensor checks miss:
// LibTorch's own modules (their state is tensors, submodules and printed options) and the types
// declared by allow_copy_reuse. Answers per type are cached per thread.
bool fully_visible(const torch::nn::Module& module) {
  thread_local std::unordered_map<std::type_index, bool> known;
  for (const auto& m : module.modules(/*include_self=*/true)) {
    const std::type_index type(typeid(*m));
    auto it = known.find(type);
    if (it == known.end()) {
      bool visible = c10::demangle(type.name()).rfind("torch::nn::", 0) == 0;
      if (!visible) {
        std::lock_guard<std::mutex> lock(reusable_types().mutex);
        visible = reusable_types().types.count(type) > 0;
      }
      // A type not (yet) declared is asked again next time: the declaration may come later.
      if (!visible) return false;
      it = known.emplace(type, true).first;
    }
  }
  return true;
}

// Inference tensors cannot take part in autograd outside InferenceMode, nor normal ones be
// bound to inference tensors' history inside it: a copy made in one mode serves that mode only.
bool made_in_this_mode(const torch::nn::Module& copy) {
  const bool inference = c10::InferenceMode::is_enabled();
  for (const auto& t : copy.parameters(/*recurse=*/true))
    if (t.is_inference() != inference) return false;
  for (const auto& t : copy.buffers(/*recurse=*/true))  // a module may have buffers only
    if (t.is_inference() != inference) return false;
  return true;
}

struct Entry {
  std::weak_ptr<const torch::nn::Module> original;
  std::string name;
  ModulePtr copy;
  std::vector<long> baseline;  // observers(copy) when only the cache held it
};

// A few copies per thread: random_module sites of the models this thread runs. Entries whose
// original died are dropped on the next call; beyond kSize, the oldest goes.
struct Cache {
  static constexpr size_t kSize = 16;
  std::vector<Entry> entries;
};

Cache& cache() {
  thread_local Cache c;
  return c;
}

ModulePtr fresh_clone(const std::string& name, const torch::nn::Module& original) {
  // clone() re-initialises the parameters (reset()) from the default CPU generator before it
  // copies the original's values over them: the caller's random stream is put back as it was,
  // so a model draws the same numbers whether its copy was cloned or reused. Meanwhile the
  // generator runs from a seed of this clone's own: another thread that draws during the clone
  // gets numbers no one draws again (had the stream itself been rewound, they would come twice).
  // Clones take turns, so that no clone puts back a state another one set.
  static std::recursive_mutex turns;  // recursive: a module's reset() may call random_module
  static std::atomic<uint64_t> clones{0};
  std::lock_guard<std::recursive_mutex> turn(turns);
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  at::Tensor state;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    state = generator.get_state();
    generator.set_current_seed(0x9E3779B97F4A7C15ULL * ++clones);
  }
  struct Restore {
    at::Generator& generator;
    const at::Tensor& state;
    ~Restore() {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(state);
    }
  } restore{generator, state};
  try {
    return original.clone();
  } catch (const c10::Error&) {
    throw ValueError("random_module '", name, "': module '", original.name(),
                     "' cannot be cloned (derive it from torch::nn::Cloneable, e.g. via TORCH_MODULE)");
  }
}

// Module::clone() does not keep requires_grad: frozen-ness is read from the original.
void keep_frozen(torch::nn::Module& copy, const torch::nn::Module& original) {
  const auto params = copy.parameters(/*recurse=*/true), original_params = original.parameters(/*recurse=*/true);
  for (size_t i = 0; i < params.size(); ++i)
    if (!original_params[i].requires_grad()) params[i].requires_grad_(false);
}

// Brings a reused copy to what a fresh clone of `original` would be, apart from the parameters
// the caller binds: training flags, buffers, frozen parameters. Structures are known equal.
void refresh(torch::nn::Module& copy, const torch::nn::Module& original) {
  const auto copies = copy.modules(/*include_self=*/false), originals = original.modules(/*include_self=*/false);
  copy.train(original.is_training());
  for (size_t i = 0; i < copies.size(); ++i)  // pre-order: a child's own flag comes after its parent's
    copies[i]->train(originals[i]->is_training());
  torch::NoGradGuard no_grad;
  const auto params = copy.parameters(/*recurse=*/true), original_params = original.parameters(/*recurse=*/true);
  for (size_t i = 0; i < params.size(); ++i)
    if (!original_params[i].requires_grad()) bind_tensor(params[i], original_params[i].clone());
  const auto buffers = copy.buffers(/*recurse=*/true), original_buffers = original.buffers(/*recurse=*/true);
  for (size_t i = 0; i < buffers.size(); ++i) bind_tensor(buffers[i], original_buffers[i].clone());
}

}  // namespace

std::shared_ptr<torch::nn::Module> module_copy(const std::string& name, const torch::nn::Module& original) {
  const std::weak_ptr<const torch::nn::Module> owner = original.weak_from_this();
  auto& entries = cache().entries;
  for (size_t i = 0; i < entries.size();) {  // drop the copies of modules that died
    if (entries[i].original.expired()) entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
    else ++i;
  }
  const auto original_ptr = owner.lock();
  // Not owned by a shared_ptr (nothing to key on), or state pplx cannot see: a fresh clone at
  // every call, and nothing cached that could never be handed out again.
  if (!original_ptr || !fully_visible(original)) {
    ModulePtr copy = fresh_clone(name, original);
    keep_frozen(*copy, original);
    return copy;
  }
  auto find = [&]() -> Entry* {
    for (auto& e : entries)
      if (e.name == name && e.original.lock() == original_ptr) return &e;
    return nullptr;
  };
  Entry* entry = find();
  if (entry && entry->copy.use_count() == 1 && observers(entry->copy) == entry->baseline &&
      made_in_this_mode(*entry->copy) && layout(*entry->copy) == layout(original) &&
      same_tensors(entry->copy->named_parameters(true), original.named_parameters(true)) &&
      same_tensors(entry->copy->named_buffers(true), original.named_buffers(true))) {
    refresh(*entry->copy, original);
    return entry->copy;
  }
  ModulePtr copy = fresh_clone(name, original);
  keep_frozen(*copy, original);
  entry = find();  // clone() runs the modules' reset(), which may have called module_copy
  if (!entry) {
    if (entries.size() == Cache::kSize) entries.erase(entries.begin());
    entries.push_back({owner, name, nullptr, {}});
    entry = &entries.back();
  }
  entry->copy = copy;
  entry->baseline = observers(copy);
  // `copy` is one more handle on the root than the cache alone has: the baseline counts the cache's.
  --entry->baseline.front();
  return copy;
}

void allow_copy_reuse(std::type_index type) {
  std::lock_guard<std::mutex> lock(reusable_types().mutex);
  reusable_types().types.insert(type);
}

void bind_tensor(const at::Tensor& target, at::Tensor value) {
  namespace ag = torch::autograd;
  if (value.scalar_type() != target.scalar_type() || value.device() != target.device())
    value = value.to(target.options());
  // A clean slate, as on a fresh clone: no history, gradient, retain_grad or hook of an earlier
  // binding, or left by the caller on a copy it then dropped, survives.
  target.unsafeGetTensorImpl()->set_autograd_meta(nullptr);
  if (value.requires_grad() && value.is_leaf()) value = value.alias();
  target.set_data(value);
  // One storage, one version: an in-place change of `value` after a graph saved `target` (an
  // optimizer step on the store's parameter) is an error at backward, not stale gradients.
  ag::impl::set_version_counter(target, ag::impl::version_counter(value));
  if (value.requires_grad()) ag::impl::set_gradient_edge(target, ag::impl::gradient_edge(value));
}

}  // namespace detail
}  // namespace pplx
