// SPDX-License-Identifier: Apache-2.0
#include <pplx/primitives.h>

#include <pplx/distributions/delta.h>
#include <pplx/distributions/unit.h>
#include <pplx/error.h>
#include <pplx/messenger.h>
#include <pplx/validation.h>

namespace pplx {
namespace {

// An observed value must fit the (plate-broadcast) distribution. The rule is the distribution's
// own validate_sample_shape (log_prob applies it too); applied here, after the stack ran, it gives
// the error that names the site, the final batch shape, the enclosing plates and the fix. Shapes
// only; support is checked by log_prob.
void check_observed_shape(const Message& msg) {
  if (!msg.is_observed || !msg.value.defined() || !is_validation_enabled()) return;
  const auto& d = *msg.fn;
  try {
    d.validate_sample_shape(msg.value);
  } catch (const ShapeError&) {
    std::string plates;
    for (const auto& f : msg.plates)
      plates += pplx::detail::str(" ", f.name, "(size ", f.subsample_size, ", dim ", f.dim, ")");
    throw ShapeError("sample site '", msg.name, "': observed value of shape ",
                     distributions::shape_str(msg.value.sizes()), " does not broadcast to the distribution ", d.name(),
                     " with batch_shape ", distributions::shape_str(d.batch_shape()), " and event_shape ",
                     distributions::shape_str(d.event_shape()), plates.empty() ? "" : "; enclosing plates:", plates,
                     ". Check the data's shape, the plate sizes and to_event().");
  }
}

at::Tensor sample_impl(const std::string& name, distributions::DistPtr fn, const at::Tensor& obs,
                       const InferConfig& infer) {
  PPLX_CHECK_AS(ValueError, fn != nullptr, "sample site '", name, "': distribution is null");
  if (!am_i_wrapped()) {
    // Nothing is listening: skip the message entirely (Pyro's am_i_wrapped fast path).
    if (obs.defined()) return obs;
    return fn->draw();
  }
  Message msg;
  msg.type = SiteType::sample;
  msg.name = name;
  msg.fn = std::move(fn);
  msg.infer = infer;
  if (obs.defined()) {
    msg.value = obs;
    msg.is_observed = true;
  }
  apply_stack(msg);
  check_observed_shape(msg);
  return msg.value;
}

}  // namespace

at::Tensor sample(const std::string& name, const distributions::DistPtr& fn, const at::Tensor& obs) {
  return sample_impl(name, fn, obs, {});
}
at::Tensor sample(const std::string& name, const distributions::Distribution& fn, const at::Tensor& obs) {
  return sample_impl(name, fn.clone(), obs, {});
}
at::Tensor sample(const std::string& name, const distributions::DistPtr& fn, const SampleOptions& o) {
  return sample_impl(name, fn, o.obs(), o.infer());
}
at::Tensor sample(const std::string& name, const distributions::Distribution& fn, const SampleOptions& o) {
  return sample_impl(name, fn.clone(), o.obs(), o.infer());
}

namespace {
at::Tensor param_impl(const std::string& name, const at::Tensor& init, const std::function<at::Tensor()>& init_fn,
                      const constraints::ConstraintPtr& constraint) {
  Message msg;
  msg.type = SiteType::param;
  msg.name = name;
  msg.init = init;
  msg.init_fn = init_fn;
  msg.constraint = constraint ? constraint : constraints::real;
  apply_stack(msg);
  return msg.value;
}
}  // namespace

at::Tensor param(const std::string& name, const at::Tensor& init, const constraints::ConstraintPtr& constraint) {
  return param_impl(name, init, nullptr, constraint);
}
at::Tensor param(const std::string& name, const std::function<at::Tensor()>& init_fn,
                 const constraints::ConstraintPtr& constraint) {
  return param_impl(name, at::Tensor(), init_fn, constraint);
}

void factor(const std::string& name, const at::Tensor& log_factor) {
  PPLX_CHECK_AS(ValueError, log_factor.defined(), "factor site '", name, "': log_factor is undefined");
  distributions::Unit unit(log_factor);
  InferConfig infer;
  infer.is_auxiliary = true;
  sample_impl(name, unit.clone(), unit.sample(), infer);
}

at::Tensor deterministic(const std::string& name, const at::Tensor& value, int64_t event_dim) {
  PPLX_CHECK_AS(ValueError, value.defined(), "deterministic site '", name, "': value is undefined");
  auto fn = distributions::Delta(value, 0.0, event_dim).mask(at::zeros({}, value.options().dtype(at::kBool)));
  InferConfig infer;
  infer.is_deterministic = true;
  return sample_impl(name, fn, value, infer);
}

}  // namespace pplx
