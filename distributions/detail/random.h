// SPDX-License-Identifier: Apache-2.0
// The samplers every family uses, each taking the optional generator that handlers::seed puts on
// a site. Internal header, included from .cpp files only.
//
// Why a wrapper: handlers::seed owns a CPU generator, and LibTorch refuses a CPU generator for a
// CUDA tensor. To keep seeded runs reproducible on any device, the draw happens on the
// generator's device and the result moves to the parameters' device (differentiably, so rsample
// gradients still reach CUDA parameters). Without a generator everything stays on the
// parameters' device and uses LibTorch's default generator there.
#pragma once

#include <limits>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {
namespace detail {

/// The device a draw with `gen` must happen on, given tensors on `device`.
inline c10::Device draw_device(const Generator& gen, c10::Device device) {
  return (gen.has_value() && gen->defined()) ? gen->device() : device;
}

/// Standard normal noise of `shape` with `options` (dtype/device of the parameters).
// Tensor::to is a dispatched op even when it returns its input: skip it when nothing moves.
inline at::Tensor on_device(const at::Tensor& t, c10::Device device) { return t.device() == device ? t : t.to(device); }

inline at::Tensor randn(c10::IntArrayRef shape, const Generator& gen, const at::TensorOptions& options) {
  const c10::Device dev = draw_device(gen, options.device());
  return on_device(at::randn(shape, gen, options.device(dev)), options.device());
}

/// Uniform noise in [0, 1).
inline at::Tensor rand(c10::IntArrayRef shape, const Generator& gen, const at::TensorOptions& options) {
  const c10::Device dev = draw_device(gen, options.device());
  return on_device(at::rand(shape, gen, options.device(dev)), options.device());
}

/// Uniform noise in [from, to).
inline at::Tensor uniform(c10::IntArrayRef shape, double from, double to, const Generator& gen,
                          const at::TensorOptions& options) {
  const c10::Device dev = draw_device(gen, options.device());
  return on_device(at::empty(shape, options.device(dev)).uniform_(from, to, gen), options.device());
}

/// Standard exponential noise (rate 1).
inline at::Tensor exponential(c10::IntArrayRef shape, const Generator& gen, const at::TensorOptions& options) {
  const c10::Device dev = draw_device(gen, options.device());
  return on_device(at::empty(shape, options.device(dev)).exponential_(1.0, gen), options.device());
}

/// Standard Cauchy noise.
inline at::Tensor cauchy(c10::IntArrayRef shape, const Generator& gen, const at::TensorOptions& options) {
  const c10::Device dev = draw_device(gen, options.device());
  return on_device(at::empty(shape, options.device(dev)).cauchy_(0.0, 1.0, gen), options.device());
}

/// Gamma(alpha, 1) draws, one per element of `alpha`; differentiable w.r.t. alpha (implicit
/// reparameterization, as torch's Gamma.rsample).
inline at::Tensor standard_gamma(const at::Tensor& alpha, const Generator& gen) {
  const c10::Device dev = draw_device(gen, alpha.device());
  return on_device(at::_standard_gamma(on_device(alpha, dev), gen), alpha.device());
}

/// Poisson(rate) draws, one per element of `rate`.
inline at::Tensor poisson(const at::Tensor& rate, const Generator& gen) {
  const c10::Device dev = draw_device(gen, rate.device());
  return on_device(at::poisson(on_device(rate.detach(), dev), gen), rate.device());
}

/// Binomial(count, prob) draws, elementwise.
inline at::Tensor binomial(const at::Tensor& count, const at::Tensor& prob, const Generator& gen) {
  const c10::Device dev = draw_device(gen, prob.device());
  return on_device(at::binomial(on_device(count.detach(), dev), on_device(prob.detach(), dev), gen), prob.device());
}

/// Bernoulli(probs) draws, elementwise, with probs' dtype.
inline at::Tensor bernoulli(const at::Tensor& probs, const Generator& gen) {
  const c10::Device dev = draw_device(gen, probs.device());
  return on_device(at::bernoulli(on_device(probs.detach(), dev), gen), probs.device());
}

/// `n` category indices per row of the 2-d `probs` (with replacement): shape [rows, n].
inline at::Tensor multinomial(const at::Tensor& probs, int64_t n, const Generator& gen) {
  const c10::Device dev = draw_device(gen, probs.device());
  return on_device(at::multinomial(on_device(probs.detach(), dev), n, /*replacement=*/true, gen), probs.device());
}

/// The smallest positive normal number and the machine epsilon of a floating dtype (torch.finfo).
inline double finfo_tiny(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble: return std::numeric_limits<double>::min();
    case at::kHalf: return 6.103515625e-05;
    default: return std::numeric_limits<float>::min();  // float32 and bfloat16
  }
}
inline double finfo_eps(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble: return std::numeric_limits<double>::epsilon();
    case at::kHalf: return 0.0009765625;
    case at::kBFloat16: return 0.0078125;
    default: return std::numeric_limits<float>::epsilon();
  }
}

/// The largest finite value of a floating dtype (torch.finfo(dtype).max).
inline double finfo_max(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble: return std::numeric_limits<double>::max();
    case at::kHalf: return 65504.0;
    case at::kBFloat16: return 3.3895313892515355e38;
    default: return static_cast<double>(std::numeric_limits<float>::max());
  }
}

/// log of Gamma(alpha, 1) draws, one per element of `alpha`, accurate where the draws themselves
/// underflow (a Gamma(1e-3) draw is below float32's smallest normal 92 % of the time, and
/// _standard_gamma then returns that smallest normal). For alpha < 1 it uses the boost
/// Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha) (Marsaglia and Tsang; NumPyro's gamma sampler),
/// in logs: log Gamma(alpha + 1) - E / alpha with E ~ Exponential(1) = -log U. Differentiable in
/// alpha: implicitly through Gamma(alpha + 1) (torch's _standard_gamma_grad) and pathwise through
/// the boost, so the gradient of any expectation is unbiased. Samplers that divide gamma draws
/// (Beta, Dirichlet, StudentT) use this and stay in log space until the quotient is formed.
/// The boost term is clamped to the dtype's lowest finite value so that an absurdly small alpha
/// (a denormal) gives a finite draw rather than -inf (and NaN quotients).
inline at::Tensor log_standard_gamma(const at::Tensor& alpha, const Generator& gen) {
  const at::Tensor small = alpha.detach() < 1.0;
  // Every element draws E (no device sync to ask whether any alpha is small); alpha >= 1 ignores it.
  const at::Tensor g = standard_gamma(at::where(small, alpha + 1.0, alpha), gen);
  const at::Tensor e = exponential(alpha.sizes(), gen, alpha.options());
  const at::Tensor boost = (-e / alpha).clamp_min(-finfo_max(alpha.scalar_type()));
  return g.log() + at::where(small, boost, at::zeros({}, alpha.options()));
}

/// probs clamped to [eps, 1 - eps] (torch.distributions.utils.clamp_probs).
inline at::Tensor clamp_probs(const at::Tensor& probs) {
  const double eps = finfo_eps(probs.scalar_type());
  return probs.clamp(eps, 1.0 - eps);
}

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
