// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/conjugate.h>

#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/detail/random.h>
#include <pplx/error.h>

namespace pplx {
namespace nn {
namespace {

using distributions::Shape;

void check_positive(const char* family, const char* arg, double v) {
  PPLX_CHECK_AS(ValueError, std::isfinite(v) && v > 0, family, ": ", arg, " must be positive and finite, got ", v);
}

// Flattens the event dims of `value` ([..., event_shape]) into one trailing dim of size n.
at::Tensor flatten_event(const at::Tensor& value, int64_t event_dim) {
  if (event_dim == 0) return value.unsqueeze(-1);
  return value.flatten(value.dim() - event_dim, value.dim() - 1);
}

// log tau with tau ~ Gamma(alpha, rate beta) of shape `shape`. The samplers divide by sqrt(tau),
// so tau is drawn in log space: with a small alpha (vague priors use 1e-3) the draw underflows
// and the quotient would be capped.
at::Tensor sample_log_precision(const Shape& shape, double alpha, double beta, const at::TensorOptions& options,
                                distributions::Generator gen) {
  auto a = at::full(shape, alpha, options);
  return distributions::detail::log_standard_gamma(a, gen) - std::log(beta);
}

Shape sample_batch(c10::IntArrayRef sample_shape, c10::IntArrayRef batch_shape) {
  Shape s(sample_shape.begin(), sample_shape.end());
  s.insert(s.end(), batch_shape.begin(), batch_shape.end());
  return s;
}

}  // namespace

// --- ConjugateNormalGamma ----------------------------------------------------------------------

ConjugateNormalGamma::ConjugateNormalGamma(Shape event_shape, double alpha_0, double beta_0, double mu_0,
                                           double kappa_0, at::TensorOptions options)
    : Distribution({}, std::move(event_shape)),
      alpha_0_(alpha_0),
      beta_0_(beta_0),
      mu_0_(mu_0),
      kappa_0_(kappa_0),
      options_(options.has_dtype() ? options : options.dtype(at::kFloat)) {
  check_positive("ConjugateNormalGamma", "alpha_0", alpha_0);
  check_positive("ConjugateNormalGamma", "beta_0", beta_0);
  check_positive("ConjugateNormalGamma", "kappa_0", kappa_0);
  PPLX_CHECK_AS(ValueError, std::isfinite(mu_0), "ConjugateNormalGamma: mu_0 must be finite, got ", mu_0);
}

at::Tensor ConjugateNormalGamma::sample(c10::IntArrayRef sample_shape, distributions::Generator gen) const {
  c10::NoGradGuard no_grad;
  Shape outer = sample_batch(sample_shape, batch_shape());
  auto log_tau = sample_log_precision(outer, alpha_0_, beta_0_, options_, gen);
  // mu - mu_0 and x - mu both scale with tau^(-1/2): one product, so that a scale beyond the
  // dtype's range gives +-inf rather than inf - inf = NaN.
  auto mu_noise = at::randn(outer, gen, options_) / std::sqrt(kappa_0_);
  for (int64_t i = 0; i < event_dim(); ++i) {
    log_tau = log_tau.unsqueeze(-1);
    mu_noise = mu_noise.unsqueeze(-1);
  }
  auto noise = mu_noise + at::randn(extended_shape(sample_shape), gen, options_);
  return mu_0_ + noise * (-0.5 * log_tau).exp();
}

at::Tensor ConjugateNormalGamma::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto x = flatten_event(value, event_dim());
  const double n = static_cast<double>(x.size(-1));
  auto x_bar = x.mean(-1);
  auto v = (x - x_bar.unsqueeze(-1)).pow(2).sum(-1);
  const double alpha_n = alpha_0_ + n / 2;
  const double kappa_n = kappa_0_ + n;
  auto beta_n = beta_0_ + v / 2 + (x_bar - mu_0_).pow(2) * (kappa_0_ * n / (2 * kappa_n));
  const double constant = std::lgamma(alpha_n) - std::lgamma(alpha_0_) + alpha_0_ * std::log(beta_0_) +
                          0.5 * (std::log(kappa_0_) - std::log(kappa_n)) - 0.5 * n * std::log(2 * M_PI);
  return constant - alpha_n * beta_n.log();
}

at::Tensor ConjugateNormalGamma::mean() const { return at::full(extended_shape(), mu_0_, options_); }

at::Tensor ConjugateNormalGamma::variance() const {
  const double v =
      alpha_0_ > 1 ? beta_0_ / (alpha_0_ - 1) * (1 + 1 / kappa_0_) : std::numeric_limits<double>::infinity();
  return at::full(extended_shape(), v, options_);
}

constraints::ConstraintPtr ConjugateNormalGamma::support() const {
  return constraints::independent(constraints::real, event_dim());
}

distributions::DistPtr ConjugateNormalGamma::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::make_shared<ConjugateNormalGamma>(*this);
  d->batch_shape_ = batch_shape.vec();
  return d;
}

// --- ConjugateKnownMean ------------------------------------------------------------------------

ConjugateKnownMean::ConjugateKnownMean(Shape event_shape, double mean, double alpha_0, double beta_0,
                                       at::TensorOptions options)
    : Distribution({}, std::move(event_shape)),
      mean_(mean),
      alpha_0_(alpha_0),
      beta_0_(beta_0),
      options_(options.has_dtype() ? options : options.dtype(at::kFloat)) {
  check_positive("ConjugateKnownMean", "alpha_0", alpha_0);
  check_positive("ConjugateKnownMean", "beta_0", beta_0);
  PPLX_CHECK_AS(ValueError, std::isfinite(mean), "ConjugateKnownMean: mean must be finite, got ", mean);
}

at::Tensor ConjugateKnownMean::sample(c10::IntArrayRef sample_shape, distributions::Generator gen) const {
  c10::NoGradGuard no_grad;
  auto log_tau = sample_log_precision(sample_batch(sample_shape, batch_shape()), alpha_0_, beta_0_, options_, gen);
  for (int64_t i = 0; i < event_dim(); ++i) log_tau = log_tau.unsqueeze(-1);
  return mean_ + at::randn(extended_shape(sample_shape), gen, options_) * (-0.5 * log_tau).exp();
}

at::Tensor ConjugateKnownMean::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto x = flatten_event(value, event_dim());
  const double n = static_cast<double>(x.size(-1));
  auto s = (x - mean_).pow(2).sum(-1);
  const double alpha_n = alpha_0_ + n / 2;
  auto beta_n = beta_0_ + s / 2;
  const double constant =
      std::lgamma(alpha_n) - std::lgamma(alpha_0_) + alpha_0_ * std::log(beta_0_) - 0.5 * n * std::log(2 * M_PI);
  return constant - alpha_n * beta_n.log();
}

at::Tensor ConjugateKnownMean::mean() const { return at::full(extended_shape(), mean_, options_); }

at::Tensor ConjugateKnownMean::variance() const {
  const double v = alpha_0_ > 1 ? beta_0_ / (alpha_0_ - 1) : std::numeric_limits<double>::infinity();
  return at::full(extended_shape(), v, options_);
}

constraints::ConstraintPtr ConjugateKnownMean::support() const {
  return constraints::independent(constraints::real, event_dim());
}

distributions::DistPtr ConjugateKnownMean::expand(c10::IntArrayRef batch_shape) const {
  auto d = std::make_shared<ConjugateKnownMean>(*this);
  d->batch_shape_ = batch_shape.vec();
  return d;
}

}  // namespace nn
}  // namespace pplx
