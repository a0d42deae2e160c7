// SPDX-License-Identifier: Apache-2.0
// Bijections between unconstrained reals and constrained sets (torch.distributions.transforms).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/constraints.h>

namespace pplx {
namespace transforms {

/// An invertible map y = f(x) with its log |det J|. Immutable and shareable across threads.
///
///   auto t = transforms::biject_to(constraints::positive);   // exp (then affine(0, 1), as torch)
///   auto y = t->forward(x);  auto ladj = t->log_abs_det_jacobian(x, y);
class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string name() const = 0;
  virtual at::Tensor forward(const at::Tensor& x) const = 0;
  virtual at::Tensor inverse(const at::Tensor& y) const = 0;
  /// log |dy/dx|, summed over domain_event_dim() trailing dims after the elementwise terms and the
  /// transform's parameters are broadcast to y's shape, so every element of the event counts once.
  /// Shape: y's shape less its domain_event_dim() trailing dims. Throws NotImplementedError where
  /// the map is not a bijection of equal dimension (softmax, lower_cholesky's transform_to map).
  ///
  ///   transforms::affine(0.0, 2.0, 1)->log_abs_det_jacobian(x, y);   // x of shape [3]: 3 log 2
  virtual at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const = 0;
  virtual int64_t domain_event_dim() const { return 0; }
  virtual int64_t codomain_event_dim() const { return domain_event_dim(); }
  /// The sets x and y live in (torch's `domain` and `codomain`).
  virtual constraints::ConstraintPtr domain() const;
  virtual constraints::ConstraintPtr codomain() const;
  /// Shape of forward(x) for x of `shape` (differs from `shape` for stick_breaking: K-1 -> K).
  virtual std::vector<int64_t> forward_shape(c10::IntArrayRef shape) const { return shape.vec(); }
  /// Shape of inverse(y) for y of `shape`.
  virtual std::vector<int64_t> inverse_shape(c10::IntArrayRef shape) const { return shape.vec(); }
  /// Whether forward is the identity (lets the param store skip work for unconstrained params).
  virtual bool is_identity() const { return false; }
  at::Tensor operator()(const at::Tensor& x) const { return forward(x); }
};
using TransformPtr = std::shared_ptr<const Transform>;

/// y = loc + scale * x; `event_dim` trailing dims are summed in the log-determinant, which counts
/// log|scale| once per element of y's event however loc and scale broadcast against x (torch 1.13's
/// AffineTransform counts a 0-dim scale once per event). loc and scale follow x's dtype and device.
/// log_abs_det_jacobian throws pplx::ShapeError when x has fewer than `event_dim` dims.
///
///   transforms::AffineTransform t(torch::zeros({}), torch::full({}, 2.0), 1);   // on R^3: 3 log 2
class AffineTransform final : public Transform {
 public:
  AffineTransform(at::Tensor loc, at::Tensor scale, int64_t event_dim = 0);
  std::string name() const override { return "affine"; }
  at::Tensor forward(const at::Tensor& x) const override;
  at::Tensor inverse(const at::Tensor& y) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const override;
  int64_t domain_event_dim() const override { return event_dim_; }
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override { return domain(); }
  std::vector<int64_t> forward_shape(c10::IntArrayRef shape) const override;
  std::vector<int64_t> inverse_shape(c10::IntArrayRef shape) const override;
  /// loc 0 and scale 1 (as in transform_to(positive) = exp then affine(0, 1)): costs nothing.
  bool is_identity() const override { return identity_; }
  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }
  int64_t event_dim() const { return event_dim_; }

 private:
  at::Tensor loc_, scale_;
  int64_t event_dim_;
  // 0-dim CPU loc and scale are applied as scalars: no dtype conversion of them per call.
  bool scalar_ = false, identity_ = false;
  double loc_value_ = 0.0, scale_value_ = 1.0;
};

/// Applies `parts` first to last; no parts is the identity.
class ComposeTransform final : public Transform {
 public:
  explicit ComposeTransform(std::vector<TransformPtr> parts);
  std::string name() const override { return "compose"; }
  at::Tensor forward(const at::Tensor& x) const override;
  at::Tensor inverse(const at::Tensor& y) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const override;
  int64_t domain_event_dim() const override;
  int64_t codomain_event_dim() const override;
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override;
  std::vector<int64_t> forward_shape(c10::IntArrayRef shape) const override;
  std::vector<int64_t> inverse_shape(c10::IntArrayRef shape) const override;
  bool is_identity() const override;
  const std::vector<TransformPtr>& parts() const { return parts_; }

 private:
  std::vector<TransformPtr> parts_;
};

TransformPtr identity();
/// y = exp(x).
TransformPtr exp();
/// y = sigmoid(x), clamped to [tiny, 1 - eps] like torch.
TransformPtr sigmoid();
/// y = loc + scale * x, with `event_dim` dims summed in the log-determinant.
TransformPtr affine(at::Tensor loc, at::Tensor scale, int64_t event_dim = 0);
TransformPtr affine(double loc, double scale, int64_t event_dim = 0);
/// y = softmax(x) over the last dim; inverse log(y); not a bijection (no log-determinant).
TransformPtr softmax();
/// Stick-breaking: K-1 reals to a K-simplex, the bijection biject_to(simplex) uses.
TransformPtr stick_breaking();
/// Strictly-lower part copied, diagonal exponentiated (transform_to(lower_cholesky)).
TransformPtr lower_cholesky();
/// y = softplus(x) = log(1 + exp(x)) (Pyro's SoftplusTransform; transform_to(softplus_positive)).
TransformPtr softplus();
/// Strictly-lower part copied, diagonal set to 1 (Pyro's UnitLowerCholeskyTransform;
/// transform_to(unit_lower_cholesky)); not a bijection of equal dimension.
TransformPtr unit_lower_cholesky();
/// Applies `parts` first to last; no parts is the identity.
TransformPtr compose(std::vector<TransformPtr> parts);

/// The map the param store uses: stores transform_to(c)->inverse(value), returns forward(unconstrained).
/// Throws pplx::NotImplementedError naming the constraint when none is registered.
TransformPtr transform_to(const constraints::ConstraintPtr& c);
/// The bijective registry used to reparameterize latent variables.
TransformPtr biject_to(const constraints::ConstraintPtr& c);

}  // namespace transforms
}  // namespace pplx
