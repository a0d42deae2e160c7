// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/detail/validated.h>
#include <pplx/distributions/detail/versioned_cache.h>
#include <pplx/distributions/distribution.h>

#include <cstring>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

#include <pplx/distributions/independent.h>
#include <pplx/distributions/masked.h>
#include <pplx/distributions/non_reparameterized.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace distributions {

std::string shape_str(c10::IntArrayRef shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

namespace {

// Numbers given as parameters (Normal(0.0, 1.0) in a model) become the same 0-dim tensor at every
// step, so that validation checks each once per thread (it remembers tensors that passed) instead
// of at every step, and no new tensor is made (see detail::VersionedCache for when one is reused).
at::Tensor cached_scalar(double v, const at::TensorOptions& options) {
  // Keyed by the number's bits: 0.0 and -0.0, or two NaNs with different payloads, are different numbers.
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof v);
  thread_local detail::VersionedCache<std::tuple<uint64_t, at::ScalarType, c10::Device>, 16> cache;
  return cache.get({bits, c10::typeMetaToScalarType(options.dtype()), options.device()},
                   [&] { return at::scalar_tensor(v, options); });
}

}  // namespace

at::Tensor ParamArg::resolve(const at::TensorOptions& options) const {
  return is_tensor() ? tensor_ : cached_scalar(value_, options);
}

at::TensorOptions ParamArg::common_options(std::initializer_list<const ParamArg*> args) {
  for (const ParamArg* a : args) {
    if (a->is_tensor()) {
      auto t = a->tensor();
      return t.options().dtype(at::isFloatingType(t.scalar_type()) ? t.scalar_type()
                                                                   : at::typeMetaToScalarType(at::get_default_dtype()));
    }
  }
  return at::TensorOptions().dtype(at::get_default_dtype());
}

Shape Distribution::extended_shape(c10::IntArrayRef sample_shape) const {
  Shape s(sample_shape.begin(), sample_shape.end());
  s.insert(s.end(), batch_shape_.begin(), batch_shape_.end());
  s.insert(s.end(), event_shape_.begin(), event_shape_.end());
  return s;
}

at::Tensor Distribution::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  if (!has_rsample()) throw NotImplementedError(name() + " does not implement sample()");
  return rsample(sample_shape, std::move(gen)).detach();
}

at::Tensor Distribution::rsample(c10::IntArrayRef, Generator) const {
  throw NotImplementedError(name() + " has no reparameterized sampler (has_rsample() is false); use sample()");
}

at::Tensor Distribution::draw(c10::IntArrayRef sample_shape, Generator gen) const {
  return has_rsample() ? rsample(sample_shape, std::move(gen)) : sample(sample_shape, std::move(gen));
}

at::Tensor Distribution::mean() const { throw NotImplementedError(name() + " does not define mean()"); }
at::Tensor Distribution::variance() const { throw NotImplementedError(name() + " does not define variance()"); }
at::Tensor Distribution::stddev() const { return variance().sqrt(); }
at::Tensor Distribution::entropy() const { throw NotImplementedError(name() + " does not define entropy()"); }

DistPtr Distribution::to_event(int64_t n) const {
  if (n < 0) n = static_cast<int64_t>(batch_shape_.size());
  if (n == 0) return clone();
  return std::make_shared<Independent>(clone(), n);
}

DistPtr Distribution::mask(const at::Tensor& m) const { return std::make_shared<MaskedDistribution>(clone(), m); }

DistPtr Distribution::with_rsample(bool on) const {
  if (auto* off = dynamic_cast<const NonReparameterized*>(this)) return on ? off->base_dist() : clone();
  if (!on) return has_rsample() ? std::make_shared<NonReparameterized>(clone()) : clone();
  PPLX_CHECK_AS(NotImplementedError, has_rsample(), "with_rsample(true): ", name(), " with batch_shape ",
                shape_str(batch_shape_),
                " has no reparameterized sampler; only a switch turned off by "
                "with_rsample(false) can be turned back on");
  return clone();
}

DistPtr Distribution::to(const at::TensorOptions&) const {
  throw NotImplementedError(name() + " does not implement to(options)");
}

void Distribution::validate_sample(const at::Tensor& value) const {
  if (!is_validation_enabled()) return;
  validate_sample_shape(value);
  auto sup = support();
  detail::validate(value, sup, [value, sup, family = name()](const at::Tensor& ok) {
    throw ValueError(family, ": value of shape ", shape_str(value.sizes()), " (", value.scalar_type(),
                     ") is outside the support ", sup->describe(), ": ", detail::describe_violation(value, ok, *sup));
  });
}

void Distribution::validate_sample_shape(const at::Tensor& value) const {
  if (!is_validation_enabled()) return;
  PPLX_CHECK_AS(ValueError, value.defined(), name(), ": log_prob() got an undefined tensor");
  const int64_t ed = event_dim();
  PPLX_CHECK_AS(ShapeError, value.dim() >= ed, name(), ": value of shape ", shape_str(value.sizes()),
                " has fewer dims than event_shape ", shape_str(event_shape_));
  auto trailing = value.sizes().slice(value.dim() - ed);
  PPLX_CHECK_AS(ShapeError, trailing == c10::IntArrayRef(event_shape_), name(), ": the rightmost dims of value ",
                shape_str(value.sizes()), " must equal event_shape ", shape_str(event_shape_));
  auto batch_part = value.sizes().slice(0, value.dim() - ed);
  // Broadcast check, right-aligned: each pair of sizes is equal or contains a 1.
  for (size_t i = 1; i <= std::min(batch_part.size(), batch_shape_.size()); ++i) {
    int64_t a = batch_part[batch_part.size() - i], b = batch_shape_[batch_shape_.size() - i];
    PPLX_CHECK_AS(ShapeError, a == b || a == 1 || b == 1, name(), ": value of shape ", shape_str(value.sizes()),
                  " does not broadcast with batch_shape ", shape_str(batch_shape_), " + event_shape ",
                  shape_str(event_shape_));
  }
}

}  // namespace distributions
}  // namespace pplx
