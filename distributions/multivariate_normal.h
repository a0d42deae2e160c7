// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// MultivariateNormal's parameters: loc [..., D] and the lower Cholesky factor of the covariance
/// [..., D, D], broadcast to the batch shape.
struct MultivariateNormalParams {
  BOOST_HANA_DEFINE_STRUCT(MultivariateNormalParams, (Param<constraints::real_vector>, loc),
                           (Param<constraints::lower_cholesky>, scale_tril));
};

/// Multivariate normal over R^D (event_shape [D]), given by the Cholesky factor of its covariance
/// (scale_tril), its covariance matrix or its precision matrix; reparameterized. `variance()` is
/// the diagonal of the covariance.
///
///   auto d = dist::MultivariateNormal(torch::zeros({2}), torch::eye(2));   // loc, scale_tril
///   auto e = dist::MultivariateNormal::with_covariance(torch::zeros({2}), cov);
class MultivariateNormal : public detail::Parametric<MultivariateNormal, MultivariateNormalParams> {
 public:
  /// loc [..., D] and scale_tril [..., D, D] (lower triangular, positive diagonal).
  MultivariateNormal(at::Tensor loc, at::Tensor scale_tril);
  explicit MultivariateNormal(MultivariateNormalParams params);
  static MultivariateNormal with_scale_tril(at::Tensor loc, at::Tensor scale_tril);
  /// covariance_matrix must be symmetric positive definite.
  static MultivariateNormal with_covariance(at::Tensor loc, const at::Tensor& covariance_matrix);
  /// precision_matrix (the inverse covariance) must be symmetric positive definite.
  static MultivariateNormal with_precision(at::Tensor loc, const at::Tensor& precision_matrix);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.loc; }
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override;

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& scale_tril() const { return p_.scale_tril; }
  at::Tensor covariance_matrix() const;
  at::Tensor precision_matrix() const;
};

extern template class detail::Parametric<MultivariateNormal, MultivariateNormalParams>;

}  // namespace distributions
}  // namespace pplx
