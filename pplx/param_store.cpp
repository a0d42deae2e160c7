// SPDX-License-Identifier: Apache-2.0
#include <pplx/param_store.h>

#include <cstdio>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <pplx/archive.h>
#include <pplx/distributions/detail/validated.h>
#include <pplx/distributions/distribution.h>
#include <pplx/error.h>

namespace pplx {
namespace {

thread_local ParamStore* current_store = nullptr;

ParamStore& default_store() {
  thread_local ParamStore store;
  return store;
}

std::string encode_constraint(const constraints::ConstraintPtr& c) {
  std::ostringstream os;
  os.precision(17);
  os << c->name();
  for (double a : c->args()) os << ' ' << a;
  return os.str();
}

constraints::ConstraintPtr decode_constraint(const std::string& meta, const std::string& path) {
  std::istringstream is(meta);
  std::string name;
  is >> name;
  std::vector<double> args;
  double a;
  while (is >> a) args.push_back(a);
  try {
    auto c = constraints::from_name(name, args);
    transforms::transform_to(c);  // a checksummed file may still name a constraint no param can have
    return c;
  } catch (const Error& e) {
    throw IOError("'", path, "': ", e.what());
  }
}

}  // namespace

at::Tensor ParamStore::get_or_create(const std::string& name, const at::Tensor& init,
                                     const std::function<at::Tensor()>& init_fn,
                                     const constraints::ConstraintPtr& constraint, at::Tensor* unconstrained_out) {
  auto it = index_.find(name);
  if (it == index_.end()) {
    at::Tensor value = init.defined() ? init : (init_fn ? init_fn() : at::Tensor());
    PPLX_CHECK_AS(SiteError, value.defined(), "param '", name,
                  "' does not exist yet and no initial value was given; pass an init tensor or function");
    set(name, value, constraint ? constraint : constraints::real);
    it = index_.find(name);
  }
  const Entry& e = entries_[it->second];
  at::Tensor value = e.transform->is_identity() ? e.unconstrained : e.transform->forward(e.unconstrained);
  // An existing param ignores `init` (as in Pyro), but an init of another shape means the store
  // was filled by a different model, typically a parameter file saved before the model changed.
  // Catch it here, at the param site, rather than as a broadcasting error deep inside the model.
  if (init.defined() && init.sizes() != value.sizes())
    throw ShapeError("param '", name, "': the store holds a value of shape ", distributions::shape_str(value.sizes()),
                     " but this site's initial value has shape ", distributions::shape_str(init.sizes()),
                     ". The store (or the parameter file loaded into it) was made by a different "
                     "model: clear_param_store(), or load a file that matches the model");
  if (unconstrained_out) *unconstrained_out = e.unconstrained;
  return value;
}

const ParamStore::Entry& ParamStore::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    std::string known;
    for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
    throw SiteError("param store has no parameter '", name, "'; it holds: ", known.empty() ? "(none)" : known);
  }
  return entries_[it->second];
}

at::Tensor ParamStore::get(const std::string& name) const {
  const Entry& e = entry(name);
  return e.transform->is_identity() ? e.unconstrained : e.transform->forward(e.unconstrained);
}
at::Tensor ParamStore::get_unconstrained(const std::string& name) const { return entry(name).unconstrained; }
constraints::ConstraintPtr ParamStore::constraint(const std::string& name) const { return entry(name).constraint; }

void ParamStore::set(const std::string& name, const at::Tensor& value, const constraints::ConstraintPtr& constraint) {
  PPLX_CHECK_AS(ValueError, value.defined(), "param '", name, "': value is undefined");
  auto c = constraint ? constraint : constraints::real;
  PPLX_CHECK_AS(ValueError, value.is_floating_point(), "param '", name,
                "': value must be a floating-point tensor, got ", value.scalar_type(), " of shape ",
                distributions::shape_str(value.sizes()),
                "; pass a float tensor (e.g. torch::zeros({3}) or x.to(torch::kFloat))");
  at::Tensor detached = value.detach();
  PPLX_CHECK_AS(ValueError, at::isfinite(detached).all().item<bool>(), "param '", name, "': initial value of shape ",
                distributions::shape_str(value.sizes()), " contains NaN or Inf (",
                at::isfinite(detached).logical_not().sum().item<int64_t>(), " of ", detached.numel(),
                " elements); check the initializer, e.g. a log of zero or a division by zero");
  if (!c->all_hold(detached)) {
    throw ValueError("param '", name, "': initial value of shape ", distributions::shape_str(value.sizes()),
                     " violates its constraint ", c->describe(), " (",
                     distributions::detail::describe_violation(detached, c->check(detached), *c),
                     "); give an init inside the constraint, e.g. torch::ones for positive");
  }
  Entry e;
  e.name = name;
  e.constraint = c;
  e.transform = transforms::transform_to(c);
  // The stored leaf: a fresh tensor (never the caller's), except that an unconstrained leaf that
  // already requires grad is adopted as is, so pplx::module can share a module's own parameters.
  at::Tensor unconstrained;
  if (e.transform->is_identity() && value.is_leaf() && value.requires_grad()) {
    unconstrained = value;
  } else {
    unconstrained = e.transform->inverse(detached).detach().clone().set_requires_grad(true);
  }
  e.unconstrained = unconstrained;
  insert(std::move(e));
}

void ParamStore::insert(Entry e) {
  auto it = index_.find(e.name);
  if (it != index_.end()) {
    entries_[it->second] = std::move(e);
  } else {
    index_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
  }
}

void ParamStore::erase(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  entries_.erase(entries_.begin() + it->second);
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
}

void ParamStore::clear() {
  entries_.clear();
  index_.clear();
}

std::vector<std::string> ParamStore::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

void ParamStore::save(const std::string& path) const {
  std::vector<io::Record> records;
  for (const auto& e : entries_) records.push_back({e.name, encode_constraint(e.constraint), e.unconstrained});
  io::write_archive(path, "params", records);
}

void ParamStore::load(const std::string& path, c10::optional<c10::Device> device) {
  auto records = io::read_archive(path, "params", device);
  // Decode everything first so a bad file leaves the store untouched.
  std::vector<Entry> loaded;
  for (auto& r : records) {
    Entry e;
    e.name = r.name;
    e.constraint = decode_constraint(r.meta, path);
    e.transform = transforms::transform_to(e.constraint);
    PPLX_CHECK_AS(IOError, r.tensor.is_floating_point(), "'", path, "': parameter '", r.name,
                  "' is not floating point");
    e.unconstrained = r.tensor.set_requires_grad(true);
    loaded.push_back(std::move(e));
  }
  clear();
  for (auto& e : loaded) insert(std::move(e));
}

ParamStore& get_param_store() { return current_store ? *current_store : default_store(); }
void clear_param_store() { get_param_store().clear(); }

ParamStoreScope::ParamStoreScope(ParamStore& store) : previous_(current_store) { current_store = &store; }
ParamStoreScope::~ParamStoreScope() { current_store = previous_; }

}  // namespace pplx
