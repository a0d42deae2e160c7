// SPDX-License-Identifier: Apache-2.0
// The shared base of every family whose parameters form one reflected struct. Internal header:
// users see only the family classes (Normal, Gamma, ...) and their `params()` struct.
#pragma once

#include <initializer_list>
#include <string>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {
namespace detail {

/// How the base validates and broadcasts one parameter: its constraint (nullptr: not checked,
/// e.g. a dependent parameter checked by the family itself) and how many trailing dims of it
/// belong to one event (1 for Categorical's probs, 2 for a scale_tril) rather than to the batch.
struct ParamSpec {
  const char* name;
  constraints::ConstraintPtr constraint;
  int64_t event_dim = 0;
};

/// Implements clone(), expand(), to() and the constructor's broadcasting and validation once, by
/// visiting every member of the BOOST_HANA_DEFINE_STRUCT struct `P` (Pyro re-lists the parameters
/// in each family's expand()). After construction every defined parameter has the shape
/// batch_shape() + its own event part, so expand() and to() need no per-family code.
/// The member definitions live in detail/params.h; each family's .cpp instantiates them with
/// `template class detail::Parametric<Family, FamilyParams>;`.
template <class Derived, class P>
class Parametric : public Distribution {
 public:
  std::string name() const override { return family_; }
  DistPtr clone() const override;
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  /// The parameters, broadcast to batch_shape() (+ their event dims).
  const P& params() const { return p_; }

 protected:
  /// Promotes the defined parameters to one floating dtype, broadcasts their batch parts, sets
  /// batch_shape_, and validates each against its spec (when validation is enabled). Throws
  /// ShapeError / ValueError naming `family` and the parameter. Every member of P needs a spec.
  Parametric(const char* family, P params, std::initializer_list<ParamSpec> specs);

  const char* family_;
  P p_;
};

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
