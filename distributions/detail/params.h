// SPDX-License-Identifier: Apache-2.0
// Generic code over reflected parameter structs: written once for every distribution family.
// A family declares its parameters with BOOST_HANA_DEFINE_STRUCT and gets broadcasting, expand,
// device/dtype moves and validation from here. Internal header: include it only from .cpp files
// (it pulls in <ATen/ATen.h>); not part of the user-facing API.
#pragma once

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
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

/// Calls f(name, tensor&) for every member of a reflected params struct, in declaration order.
template <class P, class F>
void for_each_param(P& params, F&& f) {
  boost::hana::for_each(boost::hana::accessors<std::remove_const_t<P>>(), [&](auto pair) {
    f(boost::hana::to<const char*>(boost::hana::first(pair)), boost::hana::second(pair)(params));
  });
}

/// Broadcasts the batch parts of all defined tensor params against each other (torch's
/// broadcast_all, generalised to parameters with event dims: event_dim_of(name) trailing dims of a
/// parameter are not broadcast) and returns the common batch shape. Every param then has shape
/// batch + its own event part (an expanded view, no copy). Parameters are promoted to the highest
/// floating dtype among them (float32 by default when none is floating, like torch's default).
template <class P, class EventDimOf>
Shape broadcast_params(P& params, const std::string& family, EventDimOf&& event_dim_of) {
  at::ScalarType dtype = at::ScalarType::Undefined;
  c10::optional<c10::Device> device;
  std::vector<at::Tensor> batch_parts;
  for_each_param(params, [&](const char* n, at::Tensor& t) {
    if (!t.defined()) return;
    const int64_t ed = event_dim_of(n);
    PPLX_CHECK_AS(ValueError, t.dim() >= ed, family, ": parameter '", n, "' must be at least ", ed,
                  "-dimensional (its rightmost ", ed, " dim(s) form one event), got shape ", shape_str(t.sizes()));
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
    for_each_param(params, [&](const char* n, at::Tensor& t) {
      if (!t.defined()) return;
      auto part = t.sizes().slice(0, t.dim() - event_dim_of(n));
      batch = first ? part.vec() : at::infer_size(batch, part);
      first = false;
    });
  } catch (const c10::Error&) {
    std::string shapes;
    for_each_param(params, [&](const char* n, at::Tensor& t) {
      if (t.defined()) shapes += pplx::detail::str(shapes.empty() ? "" : ", ", n, "=", shape_str(t.sizes()));
    });
    throw ShapeError(pplx::detail::str(family, ": parameter shapes do not broadcast: ", shapes));
  }
  for_each_param(params, [&](const char* n, at::Tensor& t) {
    if (!t.defined()) return;
    std::vector<int64_t> shape = batch;
    auto event_part = t.sizes().slice(t.dim() - event_dim_of(n));
    shape.insert(shape.end(), event_part.begin(), event_part.end());
    if (t.scalar_type() != dtype) t = t.to(dtype);
    if (t.sizes() != c10::IntArrayRef(shape)) t = t.expand(shape);
  });
  return batch;
}

/// broadcast_params for families whose parameters have no event dims.
template <class P>
Shape broadcast_params(P& params, const std::string& family) {
  return broadcast_params(params, family, [](const char*) { return int64_t{0}; });
}

/// Checks every param against its constraint (constraint_of(name) returns nullptr to skip one).
/// Throws pplx::ValueError naming the family, the parameter, its shape and the constraint.
template <class P, class ConstraintOf>
void validate_params(const P& params, ConstraintOf&& constraint_of, const std::string& family) {
  if (!is_validation_enabled()) return;
  for_each_param(const_cast<P&>(params), [&](const char* n, at::Tensor& t) {
    if (!t.defined()) return;
    constraints::ConstraintPtr c = constraint_of(n);
    if (!c) return;
    validate(t, c, [t, c, n, family = std::string(family)](const at::Tensor& ok) {
      throw ValueError(pplx::detail::str(family, ": parameter '", n, "' of shape ", shape_str(t.sizes()),
                                         " violates constraint ", c->describe(), " (", describe_violation(t, ok, *c), ")"));
    });
  });
}

// --- Parametric: the definitions shared by every family -----------------------------------------

template <class Derived, class P>
Parametric<Derived, P>::Parametric(const char* family, P params, std::initializer_list<ParamSpec> specs)
    : Distribution({}, {}), family_(family), p_(std::move(params)) {
  auto spec_of = [&](const char* n) -> const ParamSpec& {
    for (const ParamSpec& s : specs)
      if (std::strcmp(s.name, n) == 0) return s;
    throw std::logic_error(std::string(family) + ": no ParamSpec for parameter '" + n + "'");
  };
  for_each_param(p_, [&](const char* n, at::Tensor&) { spec_of(n); });
  auto event_dim_of = [&](const char* n) { return spec_of(n).event_dim; };
  // Validate before broadcasting so that messages show the shapes the user passed; the dims
  // check first, so that a 0-dim `probs` is reported as such rather than as a non-simplex.
  for_each_param(p_, [&](const char* n, at::Tensor& t) {
    const int64_t ed = event_dim_of(n);
    PPLX_CHECK_AS(ValueError, !t.defined() || t.dim() >= ed, family, ": parameter '", n, "' must be at least ", ed,
                  "-dimensional (its rightmost ", ed, " dim(s) form one event), got shape ", shape_str(t.sizes()));
  });
  validate_params(p_, [&](const char* n) { return spec_of(n).constraint; }, family);
  batch_shape_ = broadcast_params(p_, family, event_dim_of);
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::clone() const {
  return std::make_shared<Derived>(static_cast<const Derived&>(*this));
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::make_shared<Derived>(static_cast<const Derived&>(*this));
  const int64_t batch_dim = static_cast<int64_t>(batch_shape_.size());
  for_each_param(d->p_, [&](const char* n, at::Tensor& t) {
    if (!t.defined()) return;
    std::vector<int64_t> shape(batch_shape.begin(), batch_shape.end());
    auto event_part = t.sizes().slice(batch_dim);
    shape.insert(shape.end(), event_part.begin(), event_part.end());
    try {
      t = t.expand(shape);
    } catch (const c10::Error&) {
      throw ShapeError(pplx::detail::str(family_, ".expand(", shape_str(batch_shape), "): batch_shape ",
                                         shape_str(batch_shape_), " cannot be expanded to it (parameter '", n,
                                         "' has shape ", shape_str(t.sizes()), ")"));
    }
  });
  d->batch_shape_ = batch_shape.vec();
  return d;
}

template <class Derived, class P>
DistPtr Parametric<Derived, P>::to(const at::TensorOptions& options) const {
  auto d = std::make_shared<Derived>(static_cast<const Derived&>(*this));
  for_each_param(d->p_, [&](const char*, at::Tensor& t) {
    if (t.defined()) t = t.to(options);
  });
  return d;
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
