// SPDX-License-Identifier: Apache-2.0
// The parameter store: named unconstrained tensors and their constraints.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/transforms.h>

namespace pplx {

/// Holds learnable parameters as unconstrained leaf tensors (requires_grad) and returns their
/// constrained values, like Pyro's ParamStoreDict. Not thread-safe: each thread has its own default
/// store (get_param_store()), and any number of user-owned stores can be made current with
/// ParamStoreScope.
///
///   pplx::ParamStore store;
///   pplx::ParamStoreScope use(store);          // pplx::param now reads and writes `store`
///   auto s = pplx::param("s", torch::ones({}), pplx::constraints::positive);
class ParamStore {
 public:
  ParamStore() = default;
  ParamStore(const ParamStore&) = delete;
  ParamStore& operator=(const ParamStore&) = delete;

  /// Returns the constrained value of `name`, creating it from `init` (or `init_fn()` when `init`
  /// is undefined) on first use. `unconstrained_out`, when given, receives the stored leaf.
  /// Throws pplx::ValueError if the initial value violates `constraint` or is not finite.
  at::Tensor get_or_create(const std::string& name, const at::Tensor& init, const std::function<at::Tensor()>& init_fn,
                           const constraints::ConstraintPtr& constraint, at::Tensor* unconstrained_out = nullptr);

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  /// Constrained value. Throws pplx::SiteError listing the known names when `name` is absent.
  at::Tensor get(const std::string& name) const;
  /// The stored leaf tensor the optimizer updates.
  at::Tensor get_unconstrained(const std::string& name) const;
  constraints::ConstraintPtr constraint(const std::string& name) const;
  /// Sets `name` to the constrained `value` (replacing any previous entry).
  void set(const std::string& name, const at::Tensor& value,
           const constraints::ConstraintPtr& constraint = constraints::real);
  void erase(const std::string& name);
  void clear();
  size_t size() const { return entries_.size(); }
  /// Names in insertion order.
  std::vector<std::string> names() const;

  /// Writes every parameter (unconstrained values, constraints, format version, checksum) to one
  /// file, atomically: a temporary file is written, flushed and renamed over `path`.
  void save(const std::string& path) const;
  /// Replaces the store's contents with the file's, moving tensors to `device` when given.
  /// Throws pplx::IOError for a missing, truncated, corrupt or newer-version file.
  void load(const std::string& path, c10::optional<c10::Device> device = c10::nullopt);

 private:
  struct Entry {
    std::string name;
    at::Tensor unconstrained;
    constraints::ConstraintPtr constraint;
    transforms::TransformPtr transform;
  };
  const Entry& entry(const std::string& name) const;
  void insert(Entry e);

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

/// The calling thread's current store: the innermost ParamStoreScope's, else a per-thread default.
ParamStore& get_param_store();

/// Clears the calling thread's current store (Pyro's clear_param_store).
void clear_param_store();

/// RAII: makes `store` the calling thread's current store until the scope ends.
class ParamStoreScope {
 public:
  explicit ParamStoreScope(ParamStore& store);
  ~ParamStoreScope();
  ParamStoreScope(const ParamStoreScope&) = delete;
  ParamStoreScope& operator=(const ParamStoreScope&) = delete;

 private:
  ParamStore* previous_;
};

}  // namespace pplx
