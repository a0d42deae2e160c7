// SPDX-License-Identifier: Apache-2.0
// The shared base of every family whose parameters form one reflected struct. Internal header:
// users see only the family classes (Normal, Gamma, ...) and their `params()` struct.
#pragma once

#include <string>

#include <pplx/distributions/distribution.h>
#include <pplx/distributions/param.h>

namespace pplx {
namespace distributions {
namespace detail {

/// Implements clone(), expand(), to() and the constructor's broadcasting and validation once, by
/// visiting every member of the BOOST_HANA_DEFINE_STRUCT struct `P`, each a Param<constraint, event
/// dims> (Pyro re-lists the parameters in each family's expand() and in arg_constraints). After
/// construction every defined parameter has the shape batch_shape() + its own event part, so
/// expand() and to() need no per-family code.
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
  /// batch_shape_, and validates each against its Param type's constraint (when validation is
  /// enabled). Throws ShapeError / ValueError naming `family` and the parameter.
  Parametric(const char* family, P params);

  const char* family_;
  P p_;
};

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
