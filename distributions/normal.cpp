// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/normal.h>

#include <cmath>

#include <pplx/distributions/detail/params.h>

namespace pplx {
namespace distributions {
namespace {
constraints::ConstraintPtr normal_arg_constraint(const char* n) {
  return std::string(n) == "scale" ? constraints::positive : constraints::real;
}
}  // namespace

Normal::Normal(ParamArg loc, ParamArg scale) : Normal([&] {
  auto opts = ParamArg::common_options({&loc, &scale});
  return NormalParams{loc.resolve(opts), scale.resolve(opts)};
}()) {}

Normal::Normal(NormalParams params) : Distribution({}, {}), p_(std::move(params)) {
  batch_shape_ = detail::broadcast_params(p_, "Normal");
  detail::validate_params(p_, normal_arg_constraint, "Normal");
}

at::Tensor Normal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto eps = at::randn(extended_shape(sample_shape), std::move(gen), p_.loc.options());
  return p_.loc + eps * p_.scale;
}

at::Tensor Normal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  static const double half_log_2pi = 0.5 * std::log(2 * M_PI);
  return -(value - p_.loc).pow(2) / (2 * p_.scale.pow(2)) - p_.scale.log() - half_log_2pi;
}

at::Tensor Normal::entropy() const { return 0.5 + 0.5 * std::log(2 * M_PI) + p_.scale.log(); }

DistPtr Normal::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::make_shared<Normal>(*this);
  d->p_ = detail::expand_params(p_, batch_shape, [](const char*) { return 0; }, "Normal");
  d->batch_shape_ = batch_shape.vec();
  return d;
}

}  // namespace distributions
}  // namespace pplx
