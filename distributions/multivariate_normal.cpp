// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/multivariate_normal.h>

#include <cmath>

#include <pplx/distributions/detail/linalg.h>
#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>
#include <pplx/distributions/detail/validated.h>

namespace pplx {
namespace distributions {
namespace detail {

at::Tensor batch_mahalanobis(const at::Tensor& L, const at::Tensor& x) {
  const int64_t n = x.size(-1);
  auto l_batch = L.sizes().slice(0, L.dim() - 2);
  auto batch = at::infer_size(l_batch, x.sizes().slice(0, x.dim() - 1));
  const size_t lead = batch.size() - l_batch.size();
  std::vector<int64_t> tail(batch.begin() + lead, batch.end());
  int64_t lead_numel = 1, tail_numel = 1;
  for (size_t i = 0; i < batch.size(); ++i) (i < lead ? lead_numel : tail_numel) *= batch[i];
  std::vector<int64_t> l_shape = tail, x_shape = batch;
  l_shape.insert(l_shape.end(), {n, n});
  x_shape.push_back(n);
  auto l_flat = L.expand(l_shape).reshape({tail_numel, n, n});
  auto rhs = x.expand(x_shape).reshape({lead_numel, tail_numel, n}).permute({1, 2, 0});  // [T, n, S]
  auto sol = at::linalg_solve_triangular(l_flat, rhs, /*upper=*/false);
  return sol.pow(2).sum(1).t().reshape(batch);
}

}  // namespace detail

namespace {
const char* kMvn = "MultivariateNormal";

// torch's checks, made before the base broadcasts: the last dims must describe one D.
MultivariateNormalParams check_shapes(MultivariateNormalParams p) {
  PPLX_CHECK_AS(ValueError, p.loc.defined() && p.scale_tril.defined(), kMvn, ": loc and scale_tril must be defined");
  PPLX_CHECK_AS(ValueError, p.loc.dim() >= 1, kMvn, ": parameter 'loc' must be at least one-dimensional, got shape ",
                shape_str(p.loc.sizes()));
  PPLX_CHECK_AS(ValueError, p.scale_tril.dim() >= 2, kMvn,
                ": parameter 'scale_tril' must be at least two-dimensional (a [..., D, D] matrix), got shape ",
                shape_str(p.scale_tril.sizes()));
  const int64_t d = p.loc.size(-1);
  PPLX_CHECK_AS(ShapeError, p.scale_tril.size(-1) == d && p.scale_tril.size(-2) == d, kMvn, ": scale_tril of shape ",
                shape_str(p.scale_tril.sizes()), " must end in [", d, ", ", d, "] to match loc of shape ",
                shape_str(p.loc.sizes()));
  return p;
}

void check_square(const at::Tensor& m, const char* what, const at::Tensor& loc) {
  PPLX_CHECK_AS(ValueError, m.defined() && m.dim() >= 2, kMvn, ": parameter '", what,
                "' must be at least two-dimensional (a [..., D, D] matrix), got shape ",
                m.defined() ? shape_str(m.sizes()) : "undefined");
  PPLX_CHECK_AS(ShapeError, m.size(-1) == m.size(-2) && (loc.dim() == 0 || m.size(-1) == loc.size(-1)), kMvn,
                ": parameter '", what, "' of shape ", shape_str(m.sizes()), " must be square and match loc of shape ",
                shape_str(loc.sizes()));
}

// Positive definiteness is checked here because the base only sees the derived scale_tril.
at::Tensor cholesky_of(const at::Tensor& m, const char* what) {
  if (is_validation_enabled()) {
    const auto& pd = constraints::positive_definite;
    detail::validate(m, pd, [m, pd, what](const at::Tensor& ok) {
      throw ValueError(kMvn, ": parameter '", what, "' of shape ", shape_str(m.sizes()),
                       " violates constraint positive_definite (", detail::describe_violation(m, ok, *pd), ")");
    });
  }
  auto res = at::linalg_cholesky_ex(m);
  detail::require((std::get<1>(res) == 0).all(), [shape = m.sizes().vec(), what] {
    throw ValueError(kMvn, ": parameter '", what, "' of shape ", shape_str(shape),
                     " is not positive definite (Cholesky factorization failed)");
  });
  return std::get<0>(res);
}
}  // namespace

template class detail::Parametric<MultivariateNormal, MultivariateNormalParams>;

MultivariateNormal::MultivariateNormal(at::Tensor loc, at::Tensor scale_tril)
    : MultivariateNormal(MultivariateNormalParams{std::move(loc), std::move(scale_tril)}) {}

MultivariateNormal::MultivariateNormal(MultivariateNormalParams params)
    : Parametric(kMvn, check_shapes(std::move(params))) {
  event_shape_ = {p_.loc.size(-1)};
}

MultivariateNormal MultivariateNormal::with_scale_tril(at::Tensor loc, at::Tensor scale_tril) {
  return MultivariateNormal(std::move(loc), std::move(scale_tril));
}

MultivariateNormal MultivariateNormal::with_covariance(at::Tensor loc, const at::Tensor& covariance_matrix) {
  check_square(covariance_matrix, "covariance_matrix", loc);
  return MultivariateNormal(std::move(loc), cholesky_of(covariance_matrix, "covariance_matrix"));
}

// torch's _precision_to_scale_tril: the Cholesky factor of the flipped precision gives the
// inverse of the covariance's factor without forming the covariance.
MultivariateNormal MultivariateNormal::with_precision(at::Tensor loc, const at::Tensor& precision_matrix) {
  check_square(precision_matrix, "precision_matrix", loc);
  auto lf = cholesky_of(precision_matrix.flip({-2, -1}), "precision_matrix");
  auto l_inv = lf.flip({-2, -1}).transpose(-2, -1);
  auto id = at::eye(precision_matrix.size(-1), precision_matrix.options());
  auto l = at::linalg_solve_triangular(l_inv, id.expand_as(l_inv), /*upper=*/false);
  return MultivariateNormal(std::move(loc), l);
}

at::Tensor MultivariateNormal::rsample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto eps = detail::randn(extended_shape(sample_shape), gen, p_.loc.options());
  return p_.loc + at::matmul(p_.scale_tril, eps.unsqueeze(-1)).squeeze(-1);
}

at::Tensor MultivariateNormal::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto m = detail::batch_mahalanobis(p_.scale_tril, value - p_.loc);
  auto half_log_det = p_.scale_tril.diagonal(0, -2, -1).log().sum(-1);
  return -0.5 * (static_cast<double>(event_shape_[0]) * std::log(2 * M_PI) + m) - half_log_det;
}

at::Tensor MultivariateNormal::variance() const { return p_.scale_tril.pow(2).sum(-1); }

at::Tensor MultivariateNormal::entropy() const {
  auto half_log_det = p_.scale_tril.diagonal(0, -2, -1).log().sum(-1);
  return 0.5 * static_cast<double>(event_shape_[0]) * (1.0 + std::log(2 * M_PI)) + half_log_det;
}

constraints::ConstraintPtr MultivariateNormal::support() const {
  return constraints::independent(constraints::real, 1);
}

at::Tensor MultivariateNormal::covariance_matrix() const {
  return at::matmul(p_.scale_tril, p_.scale_tril.transpose(-2, -1));
}

at::Tensor MultivariateNormal::precision_matrix() const {
  auto id = at::eye(event_shape_[0], p_.loc.options());
  return at::cholesky_solve(id.expand_as(p_.scale_tril), p_.scale_tril);
}

}  // namespace distributions
}  // namespace pplx
