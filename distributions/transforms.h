// SPDX-License-Identifier: Apache-2.0
// Bijections between unconstrained reals and constrained sets (torch.distributions.transforms).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include <pplx/distributions/constraints.h>

namespace pplx {
namespace transforms {

/// An invertible map y = f(x) with its log |det J|. Immutable and shareable across threads.
class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string name() const = 0;
  virtual at::Tensor forward(const at::Tensor& x) const = 0;
  virtual at::Tensor inverse(const at::Tensor& y) const = 0;
  /// log |dy/dx|, summed over domain_event_dim() trailing dims. Throws NotImplementedError where
  /// the map is not a bijection of equal dimension (softmax, lower_cholesky's transform_to map).
  virtual at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const = 0;
  virtual int64_t domain_event_dim() const { return 0; }
  virtual int64_t codomain_event_dim() const { return domain_event_dim(); }
  /// Whether forward is the identity (lets the param store skip work for unconstrained params).
  virtual bool is_identity() const { return false; }
  at::Tensor operator()(const at::Tensor& x) const { return forward(x); }
};
using TransformPtr = std::shared_ptr<const Transform>;

TransformPtr identity();
/// y = exp(x).
TransformPtr exp();
/// y = sigmoid(x).
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
/// Applies `parts` first to last; no parts is the identity.
TransformPtr compose(std::vector<TransformPtr> parts);

/// The map the param store uses: stores transform_to(c)->inverse(value), returns forward(unconstrained).
/// Throws pplx::NotImplementedError naming the constraint when none is registered.
TransformPtr transform_to(const constraints::ConstraintPtr& c);
/// The bijective registry used to reparameterize latent variables.
TransformPtr biject_to(const constraints::ConstraintPtr& c);

}  // namespace transforms
}  // namespace pplx
