// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// LowRankMultivariateNormal's parameters: loc [..., D], cov_factor [..., D, R] and cov_diag
/// [..., D], broadcast to the batch shape.
struct LowRankMultivariateNormalParams {
  BOOST_HANA_DEFINE_STRUCT(LowRankMultivariateNormalParams, (Param<constraints::real_vector>, loc),
                           (Param<constraints::real, 2>, cov_factor), (Param<constraints::positive, 1>, cov_diag));
};

/// Multivariate normal with covariance cov_factor @ cov_factor^T + diag(cov_diag): O(D R^2)
/// log_prob instead of O(D^3). Reparameterized.
///
///   auto d = dist::LowRankMultivariateNormal(torch::zeros({100}), 0.1 * torch::randn({100, 2}),
///                                            torch::ones({100}));
class LowRankMultivariateNormal
    : public detail::Parametric<LowRankMultivariateNormal, LowRankMultivariateNormalParams> {
 public:
  LowRankMultivariateNormal(at::Tensor loc, at::Tensor cov_factor, at::Tensor cov_diag);
  explicit LowRankMultivariateNormal(LowRankMultivariateNormalParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.loc; }
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override;

  const at::Tensor& loc() const { return p_.loc; }
  const at::Tensor& cov_factor() const { return p_.cov_factor; }
  const at::Tensor& cov_diag() const { return p_.cov_diag; }
  at::Tensor covariance_matrix() const;

 private:
  /// Cholesky factor of the capacitance I + W^T D^{-1} W ([..., R, R]).
  at::Tensor capacitance_tril() const;
  /// log det(W W^T + D) by the matrix determinant lemma.
  at::Tensor log_det(const at::Tensor& capacitance_tril) const;
};

extern template class detail::Parametric<LowRankMultivariateNormal, LowRankMultivariateNormalParams>;

}  // namespace distributions
}  // namespace pplx
