// SPDX-License-Identifier: Apache-2.0
// The type of one member of a family's parameter struct (NormalParams::scale, ...): a tensor whose
// type names its constraint and event rank, so that the struct's BOOST_HANA_DEFINE_STRUCT is the
// one place a family describes its parameters (torch lists them again in `arg_constraints`).
#pragma once

#include <cstdint>
#include <utility>

#include <ATen/ATen.h>

#include <pplx/distributions/constraints.h>

namespace pplx {
namespace distributions {

/// A distribution parameter: an at::Tensor (use it as one) whose type carries what the generic
/// code in detail::Parametric checks and broadcasts. `C` is the constraint every element (or event)
/// satisfies, one of the shared instances in constraints.h; `EventDims` trailing dims beyond C's own
/// form one event, checked as constraints::independent(C, EventDims) (torch's arg_constraints).
/// The event dims (C's plus EventDims) are never broadcast against the other parameters.
/// Source: torch/distributions/distribution.py (arg_constraints).
///
///   BOOST_HANA_DEFINE_STRUCT(DirichletParams, (Param<constraints::positive, 1>, concentration));
template <const constraints::ConstraintPtr& C, int64_t EventDims = 0>
class Param : public at::Tensor {
 public:
  Param() = default;
  Param(at::Tensor t) : at::Tensor(std::move(t)) {}  // implicit: FooParams{loc, scale} takes plain tensors
  using at::Tensor::operator=;

  /// The constraint the parameter is validated against (nullptr for a DependentParam).
  static const constraints::ConstraintPtr& constraint() {
    if constexpr (EventDims == 0) {
      return C;
    } else {
      static const constraints::ConstraintPtr wrapped = constraints::independent(C, EventDims);  // built once
      return wrapped;
    }
  }
  /// How many trailing dims form one event of the parameter (1 for a simplex, 2 for a scale_tril).
  static int64_t event_dim() { return constraint() ? constraint()->event_dim() : EventDims; }
};

namespace detail {
/// The (null) constraint of a DependentParam.
inline const constraints::ConstraintPtr dependent;
}  // namespace detail

/// A parameter whose domain depends on another one (torch's constraints.dependent, e.g. Uniform's
/// low < high): not validated by detail::Parametric; the family checks it in its constructor.
///
///   BOOST_HANA_DEFINE_STRUCT(UniformParams, (DependentParam, low), (DependentParam, high));
using DependentParam = Param<detail::dependent>;

}  // namespace distributions
}  // namespace pplx
