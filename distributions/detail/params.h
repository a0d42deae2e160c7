// SPDX-License-Identifier: Apache-2.0
// Generic code over reflected parameter structs: written once for every distribution family.
// A family declares its parameters with BOOST_HANA_DEFINE_STRUCT and gets broadcasting, expand,
// device/dtype moves and validation from here. Internal header: not part of the user-facing API.
#pragma once

#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <boost/hana/accessors.hpp>
#include <boost/hana/at_key.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/size.hpp>

#include <pplx/distributions/constraints.h>
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

/// Broadcasts all defined tensor params against each other (torch's broadcast_all) and returns the
/// common shape. Parameters with different dtypes are promoted to the highest floating dtype.
template <class P>
Shape broadcast_params(P& params, const std::string& family) {
  std::vector<at::Tensor> ts;
  for_each_param(params, [&](const char*, at::Tensor& t) {
    if (t.defined()) ts.push_back(t);
  });
  if (ts.empty()) return {};
  at::ScalarType dtype = ts.front().scalar_type();
  c10::Device device = ts.front().device();
  for (const auto& t : ts) {
    if (at::isFloatingType(t.scalar_type()) &&
        (!at::isFloatingType(dtype) || c10::elementSize(t.scalar_type()) > c10::elementSize(dtype)))
      dtype = t.scalar_type();
    PPLX_CHECK_AS(ValueError, t.device() == device, family, ": parameters live on different devices (", device,
                  " and ", t.device(), "); move them to one device");
  }
  if (!at::isFloatingType(dtype)) dtype = at::kFloat;
  std::vector<int64_t> shape;
  try {
    std::vector<at::Tensor> bs = at::broadcast_tensors(ts);
    shape = bs.front().sizes().vec();
  } catch (const c10::Error&) {
    std::string shapes;
    for_each_param(params, [&](const char* n, at::Tensor& t) {
      if (t.defined()) shapes += pplx::detail::str(shapes.empty() ? "" : ", ", n, "=", shape_str(t.sizes()));
    });
    throw ShapeError(pplx::detail::str(family, ": parameter shapes do not broadcast: ", shapes));
  }
  for_each_param(params, [&](const char*, at::Tensor& t) {
    if (t.defined()) t = t.to(dtype).expand(shape);
  });
  return shape;
}

/// Expands every defined param from its current batch shape to `batch_shape` + its own trailing
/// `event_dims` (event_dims(name) gives the number of trailing param dims that are not batch dims).
template <class P, class EventDims>
P expand_params(const P& params, c10::IntArrayRef batch_shape, EventDims&& event_dims, const std::string& family) {
  P out = params;
  for_each_param(out, [&](const char* n, at::Tensor& t) {
    if (!t.defined()) return;
    int64_t ed = event_dims(n);
    std::vector<int64_t> shape(batch_shape.begin(), batch_shape.end());
    for (int64_t i = t.dim() - ed; i < t.dim(); ++i) shape.push_back(t.size(i));
    try {
      t = t.expand(shape);
    } catch (const c10::Error&) {
      throw ShapeError(pplx::detail::str(family, ".expand(", shape_str(batch_shape), "): parameter '", n,
                                         "' of shape ", shape_str(t.sizes()), " cannot be expanded to ",
                                         shape_str(shape)));
    }
  });
  return out;
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
    auto ok = c->check(t);
    if (!ok.all().template item<bool>()) {
      auto bad = ok.logical_not();
      std::string example;
      if (c->event_dim() == 0) example = pplx::detail::str(", e.g. ", t.masked_select(bad)[0].template item<double>());
      throw ValueError(pplx::detail::str(family, ": parameter '", n, "' of shape ", shape_str(t.sizes()),
                                         " violates constraint ", c->describe(), " (", bad.sum().template item<int64_t>(),
                                         " of ", bad.numel(), " elements", example, ")"));
    }
  });
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
