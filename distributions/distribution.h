// SPDX-License-Identifier: Apache-2.0
// The base class of every distribution (torch.distributions.Distribution + Pyro's TorchDistributionMixin).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>
#include <c10/util/Optional.h>

#include <pplx/distributions/constraints.h>

namespace pplx {
namespace distributions {

class Distribution;
/// Distributions are immutable; sites, traces and combinators share them through this pointer.
using DistPtr = std::shared_ptr<const Distribution>;
using Shape = std::vector<int64_t>;
/// An optional random generator; empty means LibTorch's default one (see handlers::seed).
using Generator = c10::optional<at::Generator>;

/// A batch of probability distributions with shape batch_shape() + event_shape().
/// Immutable after construction: safe to share across threads. Copies are cheap (tensors are shared).
///
///   auto d = dist::Normal(torch::zeros({3}), torch::ones({3}));
///   auto x = d.sample();  auto lp = d.log_prob(x);  // lp has shape [3]
class Distribution {
 public:
  virtual ~Distribution() = default;

  /// The family's name ("Normal"); used in error messages and conformance files.
  virtual std::string name() const = 0;
  /// A shared copy of this distribution (sites hold distributions by DistPtr).
  virtual DistPtr clone() const = 0;

  c10::IntArrayRef batch_shape() const { return batch_shape_; }
  c10::IntArrayRef event_shape() const { return event_shape_; }
  int64_t event_dim() const { return static_cast<int64_t>(event_shape_.size()); }
  /// sample_shape + batch_shape + event_shape.
  Shape extended_shape(c10::IntArrayRef sample_shape = {}) const;

  /// Whether rsample() gives reparameterized (differentiable) samples.
  virtual bool has_rsample() const { return false; }
  /// Draws a sample without gradient. The default detaches rsample().
  virtual at::Tensor sample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const;
  /// Draws a reparameterized sample. Throws NotImplementedError unless has_rsample().
  virtual at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const;
  /// rsample() where available, else sample(): what a sample site draws (Pyro's dist.__call__).
  at::Tensor draw(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const;

  /// Log density of `value` (shape [..., batch_shape, event_shape]); result has the batch part.
  /// Validates `value` against support() and shapes when validation is enabled.
  virtual at::Tensor log_prob(const at::Tensor& value) const = 0;

  virtual at::Tensor mean() const;
  virtual at::Tensor variance() const;
  at::Tensor stddev() const;
  virtual at::Tensor entropy() const;

  /// The set of values with positive density.
  virtual constraints::ConstraintPtr support() const = 0;

  /// The same family broadcast to a larger batch shape (parameters are expanded, not copied).
  virtual DistPtr expand(c10::IntArrayRef batch_shape) const = 0;
  /// The same distribution with every parameter tensor moved to `options` (device and/or dtype),
  /// e.g. `d.to(torch::kCUDA)` or `d.to(torch::kFloat64)`. Throws NotImplementedError where a
  /// family does not support it.
  virtual DistPtr to(const at::TensorOptions& options) const;
  /// Reinterprets the rightmost `n` batch dims as event dims (Pyro's to_event). n = -1: all batch dims.
  DistPtr to_event(int64_t n = -1) const;
  /// Zeroes log_prob where `mask` (bool, broadcastable to batch_shape) is false. Pyro's dist.mask.
  DistPtr mask(const at::Tensor& mask) const;
  /// The same distribution with reparameterized sampling switched on or off (Pyro's
  /// has_rsample_). With `false`, has_rsample() is false, the draw carries no gradient through
  /// its value and TraceELBO uses the score-function estimator at the site (see
  /// NonReparameterized). With `true`, a switch turned off by with_rsample(false) is undone.
  /// Throws pplx::NotImplementedError for `true` on a distribution without rsample().
  ///
  ///   pplx::sample("z", dist::Normal(loc, 1.0).with_rsample(false));
  DistPtr with_rsample(bool on) const;

  /// Throws pplx::ShapeError / pplx::ValueError when `value` has the wrong trailing shape, does not
  /// broadcast with batch_shape, or lies outside support(). No-op when validation is disabled.
  void validate_sample(const at::Tensor& value) const;
  /// The shape half of validate_sample, on shape metadata only (no tensor is read): throws
  /// pplx::ShapeError unless `value`'s rightmost dims equal event_shape and the rest broadcasts
  /// with batch_shape. For wrappers whose base checks the support. No-op when validation is off.
  ///
  ///   d.validate_sample_shape(x);   // x: [..., batch_shape, event_shape]
  void validate_sample_shape(const at::Tensor& value) const;

 protected:
  Distribution(Shape batch_shape, Shape event_shape)
      : batch_shape_(std::move(batch_shape)), event_shape_(std::move(event_shape)) {}
  Distribution(const Distribution&) = default;
  Distribution& operator=(const Distribution&) = default;

  Shape batch_shape_;
  Shape event_shape_;
};

/// A distribution parameter given as a tensor or a plain number. Numbers take the dtype and device
/// of the tensor parameters beside them, so no CPU scalar hides in a CUDA distribution.
class ParamArg {
 public:
  ParamArg(at::Tensor t) : tensor_(std::move(t)) {}  // NOLINT: implicit by design
  ParamArg(double v) : value_(v) {}                  // NOLINT
  ParamArg(int v) : value_(v) {}                     // NOLINT
  bool is_tensor() const { return tensor_.defined(); }
  const at::Tensor& tensor() const { return tensor_; }
  /// The tensor, or the number as a 0-dim tensor with `options`.
  at::Tensor resolve(const at::TensorOptions& options) const;
  /// Options of the first tensor argument (floating dtype), or float32 on CPU when all are numbers.
  static at::TensorOptions common_options(std::initializer_list<const ParamArg*> args);

 private:
  at::Tensor tensor_;
  double value_ = 0.0;
};

/// Formats a shape as [2, 3] for error messages.
std::string shape_str(c10::IntArrayRef shape);

}  // namespace distributions
}  // namespace pplx
