// SPDX-License-Identifier: Apache-2.0
// Constraints: the support of a distribution or the domain of a parameter (torch.distributions.constraints).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace pplx {
namespace constraints {

class Constraint;
using ConstraintPtr = std::shared_ptr<const Constraint>;

/// A set of values, checked elementwise over `event_dim` trailing dimensions.
/// Immutable and shareable across threads.
///
///   constraints::positive->check(torch::tensor({1.0, -1.0}));  // [true, false]
class Constraint {
 public:
  virtual ~Constraint() = default;
  /// Short name, e.g. "positive", "interval"; with args() it identifies the constraint in files.
  virtual std::string name() const = 0;
  /// Boolean tensor of shape value.shape()[:-event_dim]: true where the value lies in the set.
  virtual at::Tensor check(const at::Tensor& value) const = 0;
  /// Whether every element (event) of `value` satisfies the constraint: check(value).all(), read
  /// back as a bool. Elementwise bounds override it with one reduction (min, or sum for NaN).
  virtual bool all_hold(const at::Tensor& value) const;
  /// check(value).all() as a 0-dim bool tensor on value's device: the verdict without reading it
  /// back, for validation that is read once per step together with the loss.
  virtual at::Tensor all_hold_tensor(const at::Tensor& value) const { return check(value).all(); }
  /// Whether check() fails only for NaN (the `real` constraint). A NaN in a density's parameter
  /// or value makes that density NaN, so such a check needs no verdict of its own inside a step:
  /// the step's non-finite loss reveals it (see distributions::DeferredValidation).
  virtual bool only_rejects_nan() const { return false; }
  /// Number of trailing dimensions that form one element (1 for simplex, 2 for lower_cholesky).
  virtual int64_t event_dim() const { return 0; }
  /// Whether the set is discrete (integers, booleans).
  virtual bool is_discrete() const { return false; }
  /// Numeric arguments (bounds), in the order the factory takes them.
  virtual std::vector<double> args() const { return {}; }
  /// Lower / upper bound of an interval-like set (torch's `lower_bound`, `upper_bound`); an
  /// undefined tensor when the set has none. Scalar bounds are 0-dim tensors,
  /// int64 for integer sets (integer_interval, nonnegative_integer) and float64 otherwise.
  virtual at::Tensor lower_bound() const { return {}; }
  virtual at::Tensor upper_bound() const { return {}; }
  /// For independent(base, n): base and n (torch's `base_constraint`, `reinterpreted_batch_ndims`);
  /// nullptr and 0 for every other constraint.
  virtual ConstraintPtr base_constraint() const { return nullptr; }
  virtual int64_t reinterpreted_batch_ndims() const { return 0; }
  /// Whether `other` is the same set: the same object, or one built by the same factory from equal
  /// bounds (integer_interval(0, 9) twice), compared on the host without reading a tensor.
  /// Validation remembers a tensor that passed a constraint; a support built anew at every call
  /// (Categorical's, a to_event's independent(...)) is then recognised instead of rechecked.
  virtual bool same_as(const Constraint& other) const { return this == &other; }
  /// Human-readable description such as "interval(0, 1)".
  std::string describe() const;
};

// The factories; the shared instances below are the ones most code uses.
ConstraintPtr make_real();
ConstraintPtr make_positive();
ConstraintPtr make_nonnegative();
ConstraintPtr make_unit_interval();
ConstraintPtr make_boolean();
ConstraintPtr make_nonnegative_integer();
ConstraintPtr make_simplex();
ConstraintPtr make_one_hot();
ConstraintPtr make_lower_cholesky();
ConstraintPtr make_positive_definite();
ConstraintPtr make_real_vector();
/// Pyro's softplus_positive: the positive reals, parameterized through softplus (not exp).
ConstraintPtr make_softplus_positive();
/// Pyro's unit_lower_cholesky: lower-triangular square matrices with ones on the diagonal.
ConstraintPtr make_unit_lower_cholesky();

/// x > lower_bound.
ConstraintPtr greater_than(double lower_bound);
/// x >= lower_bound.
ConstraintPtr greater_than_eq(double lower_bound);
/// lower_bound <= x <= upper_bound (closed in checks, like torch).
ConstraintPtr interval(double lower_bound, double upper_bound);
/// Half-open interval [lower_bound, upper_bound).
ConstraintPtr half_open_interval(double lower_bound, double upper_bound);
/// Integers in [lower_bound, upper_bound].
ConstraintPtr integer_interval(double lower_bound, double upper_bound);
/// Interval with tensor bounds (e.g. Uniform with batched low/high); checked with broadcasting.
ConstraintPtr interval(const at::Tensor& lower_bound, const at::Tensor& upper_bound, bool half_open = false);
/// Integers in [lower, upper] with tensor bounds (the support of Binomial and Categorical).
ConstraintPtr integer_interval(const at::Tensor& lower_bound, const at::Tensor& upper_bound);
/// Reinterprets `reinterpreted_batch_ndims` batch dims of `base` as event dims. With 0 it still
/// wraps `base` (Pyro's Delta reports its support as independent(real, event_dim) for any event_dim).
ConstraintPtr independent(ConstraintPtr base, int64_t reinterpreted_batch_ndims);

/// Rebuilds a constraint from name() and args() (used when loading parameter files).
/// Throws pplx::ValueError for an unknown name.
ConstraintPtr from_name(const std::string& name, const std::vector<double>& args = {});

inline const ConstraintPtr real = make_real();
inline const ConstraintPtr positive = make_positive();
inline const ConstraintPtr nonnegative = make_nonnegative();
inline const ConstraintPtr unit_interval = make_unit_interval();
inline const ConstraintPtr boolean = make_boolean();
inline const ConstraintPtr nonnegative_integer = make_nonnegative_integer();
inline const ConstraintPtr simplex = make_simplex();
/// Vectors of 0s and 1s with exactly one 1 (OneHotCategorical's support).
inline const ConstraintPtr one_hot = make_one_hot();
inline const ConstraintPtr lower_cholesky = make_lower_cholesky();
inline const ConstraintPtr positive_definite = make_positive_definite();
inline const ConstraintPtr real_vector = make_real_vector();
/// x > 0 like positive, but transform_to/biject_to give softplus (Pyro's constraints.softplus_positive,
/// the scales of its autoguides): gradients do not blow up for large values as exp's do.
inline const ConstraintPtr softplus_positive = make_softplus_positive();
/// Lower-triangular with a unit diagonal (Pyro's constraints.unit_lower_cholesky, the scale_tril of
/// AutoMultivariateNormal); transform_to keeps the strictly lower part and sets the diagonal to 1.
inline const ConstraintPtr unit_lower_cholesky = make_unit_lower_cholesky();

}  // namespace constraints
}  // namespace pplx
