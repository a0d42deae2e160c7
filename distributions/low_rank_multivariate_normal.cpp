// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/low_rank_multivariate_normal.h>

#include <cmath>

#include <pplx/distributions/detail/linalg.h>
#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {
namespace {
const char* kLowRankMvn = "LowRankMultivariateNormal";

LowRankMultivariateNormalParams check_shapes(LowRankMultivariateNormalParams p) {
  PPLX_CHECK_AS(ValueError, p.loc.defined() && p.cov_factor.defined() && p.cov_diag.defined(), kLowRankMvn,
                ": loc, cov_factor and cov_diag must be defined");
  PPLX_CHECK_AS(ValueError, p.loc.dim() >= 1, kLowRankMvn,
                ": parameter 'loc' must be at least one-dimensional, got shape ", shape_str(p.loc.sizes()));
  PPLX_CHECK_AS(ValueError, p.cov_factor.dim() >= 2, kLowRankMvn,
                ": parameter 'cov_factor' must be at least two-dimensional ([..., D, R]), got shape ",
                shape_str(p.cov_factor.sizes()));
  PPLX_CHECK_AS(ValueError, p.cov_diag.dim() >= 1, kLowRankMvn,
                ": parameter 'cov_diag' must be at least one-dimensional, got shape ", shape_str(p.cov_diag.sizes()));
  const int64_t d = p.loc.size(-1);
  PPLX_CHECK_AS(ShapeError, p.cov_factor.size(-2) == d && p.cov_diag.size(-1) == d, kLowRankMvn,
                ": cov_factor of shape ", shape_str(p.cov_factor.sizes()), " must be [..., ", d,
                ", R] and cov_diag of shape ", shape_str(p.cov_diag.sizes()), " must be [..., ", d,
                "] to match loc of shape ", shape_str(p.loc.sizes()));
  return p;
}
}  // namespace

template class detail::Parametric<LowRankMultivariateNormal, LowRankMultivariateNormalParams>;

LowRankMultivariateNormal::LowRankMultivariateNormal(at::Tensor loc, at::Tensor cov_factor, at::Tensor cov_diag)
    : LowRankMultivariateNormal(
          LowRankMultivariateNormalParams{std::move(loc), std::move(cov_factor), std::move(cov_diag)}) {}

LowRankMultivariateNormal::LowRankMultivariateNormal(LowRankMultivariateNormalParams params)
    : Parametric(kLowRankMvn, check_shapes(std::move(params))) {
  event_shape_ = {p_.loc.size(-1)};
}

at::Tensor LowRankMultivariateNormal::capacitance_tril() const {
  const auto& w = p_.cov_factor;
  auto wt_dinv = w.transpose(-2, -1) / p_.cov_diag.unsqueeze(-2);
  auto k = at::matmul(wt_dinv, w) + at::eye(w.size(-1), w.options());
  return at::linalg_cholesky(k);
}

at::Tensor LowRankMultivariateNormal::log_det(const at::Tensor& cap_tril) const {
  return 2 * cap_tril.diagonal(0, -2, -1).log().sum(-1) + p_.cov_diag.log().sum(-1);
}

at::Tensor LowRankMultivariateNormal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto w_shape = shape;
  w_shape.back() = p_.cov_factor.size(-1);
  auto eps_w = detail::randn(w_shape, gen, p_.loc.options());
  auto eps_d = detail::randn(shape, gen, p_.loc.options());
  return p_.loc + at::matmul(p_.cov_factor, eps_w.unsqueeze(-1)).squeeze(-1) + p_.cov_diag.sqrt() * eps_d;
}

// Woodbury: x^T (W W^T + D)^{-1} x = x^T D^{-1} x - |C^{-1} W^T D^{-1} x|^2 with C C^T the capacitance.
at::Tensor LowRankMultivariateNormal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto diff = value - p_.loc;
  auto cap = capacitance_tril();
  auto wt_dinv = p_.cov_factor.transpose(-2, -1) / p_.cov_diag.unsqueeze(-2);
  auto wt_dinv_x = at::matmul(wt_dinv, diff.unsqueeze(-1)).squeeze(-1);
  auto m = (diff.pow(2) / p_.cov_diag).sum(-1) - detail::batch_mahalanobis(cap, wt_dinv_x);
  return -0.5 * (static_cast<double>(event_shape_[0]) * std::log(2 * M_PI) + log_det(cap) + m);
}

at::Tensor LowRankMultivariateNormal::variance() const { return p_.cov_factor.pow(2).sum(-1) + p_.cov_diag; }

at::Tensor LowRankMultivariateNormal::entropy() const {
  return 0.5 * (static_cast<double>(event_shape_[0]) * (1.0 + std::log(2 * M_PI)) + log_det(capacitance_tril()));
}

constraints::ConstraintPtr LowRankMultivariateNormal::support() const {
  return constraints::independent(constraints::real, 1);
}

at::Tensor LowRankMultivariateNormal::covariance_matrix() const {
  return at::matmul(p_.cov_factor, p_.cov_factor.transpose(-2, -1)) + at::diag_embed(p_.cov_diag);
}

}  // namespace distributions
}  // namespace pplx
