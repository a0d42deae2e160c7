// SPDX-License-Identifier: Apache-2.0
// Generic code over reflected parameter structs: written once for every distribution family.
// A family declares its parameters once, as Param<constraint, event dims> members of a
// BOOST_HANA_DEFINE_STRUCT struct, and gets broadcasting, expand, device/dtype moves and
// validation from here. Internal header: include it only from .cpp files (it pulls in
// <ATen/ATen.h>); not part of the user-facing API.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>
#include <boost/hana/accessors.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/detail/parametric.h>
#include <pplx/distributions/detail/validated.h>
#include <pplx/distributions/distribution.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace distributions {
namespace detail {

/// One parameter as the generic code sees it: its member name and what its Param type says.
struct ParamInfo {
  const char* name;
  const constraints::ConstraintPtr& constraint;  // nullptr: not checked here (a DependentParam)
  int64_t event_dim;
};

/// Whether T is a Param<...>: for_each_param rejects any other member type at compile time.
template <class T>
struct is_param : std::false_type {};
template <const constraints::ConstraintPtr& C, int64_t EventDims>
struct is_param<Param<C, EventDims>> : std::true_type {};

/// Calls f(ParamInfo, tensor&) for every member of a reflected params struct, in declaration order.
template <class P, class F>
void for_each_param(P& params, F&& f) {
  boost::hana::for_each(boost::hana::accessors<P>(), [&](auto pair) {
    auto& param = boost::hana::second(pair)(params);
    using Member = std::decay_t<decltype(param)>;
    static_assert(is_param<Member>::value, "every member of a params struct is a Param<...> (distributions/param.h)");
    f(ParamInfo{boost::hana::to<const char*>(boost::hana::first(pair)), Member::constraint(), Member::event_dim()},
      static_cast<at::Tensor&>(param));
  });
}

/// Broadcasts the batch parts of all defined tensor params against each other (torch's
/// broadcast_all, generalised to parameters with event dims: a parameter's event_dim trailing dims
/// are not broadcast) and returns the common batch shape. Every param then has shape
/// batch + its own event part (an expanded view, no copy). Parameters are promoted to the highest
/// floating dtype among them (float32 by default when none is floating, like torch's default).
/// Expects every param to have at least its event dims (Parametric's constructor checks that first).
template <class P>
Shape broadcast_params(P& params, const std::string& family) {
  at::ScalarType dtype = at::ScalarType::Undefined;
  c10::optional<c10::Device> device;
  for_each_param(params, [&](const ParamInfo&, at::Tensor& t) {
    if (!t.defined()) return;
    if (at::isFloatingType(t.scalar_type()) &&
        (dtype == at::ScalarType::Undefined || c10::elementSize(t.scalar_type()) > c10::elementSize(dtype)))
      dtype = t.scalar_type();
    if (!device) device = t.device();
    PPLX_CHECK_AS(ValueError, t.device() == *device, family, ": parameters live on different devices (", *device,
                  " and ", t.device(), "); move them to one device");
  });
  if (dtype == at::ScalarType::Undefined) dtype = at::typeMetaToScalarType(at::get_default_dtype());
  std::vector<int64_t> batch;
  bool first = true;
  try {
    for_each_param(params, [&](const ParamInfo& p, at::Tensor& t) {
      if (!t.defined()) return;
      auto part = t.sizes().slice(0, t.dim() - p.event_dim);
      batch = first ? part.vec() : at::infer_size(batch, part);
      first = false;
    });
  } catch (const c10::Error&) {
    std::string shapes;
    for_each_param(params, [&](const ParamInfo& p, at::Tensor& t) {
      if (t.defined()) shapes += pplx::detail::str(shapes.empty() ? "" : ", ", p.name, "=", shape_str(t.sizes()));
    });
    throw ShapeError(family, ": parameter shapes do not broadcast: ", shapes);
  }
  for_each_param(params, [&](const ParamInfo& p, at::Tensor& t) {
    if (!t.defined()) return;
    std::vector<int64_t> shape = batch;
    auto event_part = t.sizes().slice(t.dim() - p.event_dim);
    shape.insert(shape.end(), event_part.begin(), event_part.end());
    if (t.scalar_type() != dtype) t = t.to(dtype);
    if (t.sizes() != c10::IntArrayRef(shape)) t = t.expand(shape);
  });
  return batch;
}

/// Checks every param against its Param type's constraint (a DependentParam is skipped).
/// Throws pplx::ValueError naming the family, the parameter, its shape and the constraint.
template <class P>
void validate_params(P& params, const std::string& family) {
  if (!is_validation_enabled()) return;
  for_each_param(params, [&](const ParamInfo& p, at::Tensor& t) {
    if (!t.defined()) return;
    constraints::ConstraintPtr c = p.constraint;
    if (!c) return;
    validate(t, c, [t, c, n = p.name, family = std::string(family)](const at::Tensor& ok) {
      throw ValueError(family, ": parameter '", n, "' of shape ", shape_str(t.sizes()), " violates constraint ",
                       c->describe(), " (", describe_violation(t, ok, *c), ")");
    });
  });
}

// --- Parametric: the definitions shared by every family -----------------------------------------

template <class Derived, class P>
Parametric<Derived, P>::Parametric(const char* family, P params)
    : Distribution({}, {}), family_(family), p_(std::move(params)) {
  // Validate before broadcasting so that messages show the shapes the user passed; the dims
  // check first, so that a 0-dim `probs` is reported as such rather than as a non-simplex.
  for_each_param(p_, [&](const ParamInfo& p, at::Tensor& t) {
    const int64_t ed = p.event_dim;
    PPLX_CHECK_AS(ValueError, !t.defined() || t.dim() >= ed, family, ": parameter '", p.name, "' must be at least ", ed,
                  "-dimensional (its rightmost ", ed, " dim(s) form one event), got shape ", shape_str(t.sizes()));
  });
  validate_params(p_, family);
  batch_shape_ = broadcast_params(p_, family);
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::clone() const {
  return std::make_shared<Derived>(static_cast<const Derived&>(*this));
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::make_shared<Derived>(static_cast<const Derived&>(*this));
  const int64_t batch_dim = static_cast<int64_t>(batch_shape_.size());
  for_each_param(d->p_, [&](const ParamInfo& p, at::Tensor& t) {
    if (!t.defined()) return;
    std::vector<int64_t> shape(batch_shape.begin(), batch_shape.end());
    auto event_part = t.sizes().slice(batch_dim);
    shape.insert(shape.end(), event_part.begin(), event_part.end());
    try {
      t = t.expand(shape);
    } catch (const c10::Error&) {
      throw ShapeError(family_, ".expand(", shape_str(batch_shape), "): batch_shape ", shape_str(batch_shape_),
                       " cannot be expanded to it (parameter '", p.name, "' has shape ", shape_str(t.sizes()), ")");
    }
  });
  d->batch_shape_ = batch_shape.vec();
  return d;
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::to(const at::TensorOptions& options) const {
  auto d = std::make_shared<Derived>(static_cast<const Derived&>(*this));
  for_each_param(d->p_, [&](const ParamInfo&, at::Tensor& t) {
    if (t.defined()) t = t.to(options);
  });
  return d;
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
