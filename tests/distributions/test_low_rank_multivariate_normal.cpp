// SPDX-License-Identifier: Apache-2.0
#include "helpers.h"

using namespace pplx_test;

namespace {
torch::Tensor low_rank_loc() { return torch::tensor({0.5, -0.5, 1.0}, torch::kDouble); }
torch::Tensor factor() { return torch::tensor({{1.0, 0.0}, {0.5, 1.0}, {0.0, -1.0}}, torch::kDouble); }
torch::Tensor diag() { return torch::tensor({0.5, 1.0, 2.0}, torch::kDouble); }
torch::Tensor full_cov() { return factor().matmul(factor().t()) + torch::diag(diag()); }
}  // namespace

TEST_CASE("LowRankMultivariateNormal: log_prob and entropy equal the dense MultivariateNormal's") {
  dist::LowRankMultivariateNormal d(low_rank_loc(), factor(), diag());
  auto dense = dist::MultivariateNormal::with_covariance(low_rank_loc(), full_cov());
  auto x = torch::tensor({{0.0, 0.0, 0.0}, {1.0, -2.0, 3.0}}, torch::kDouble).expand({5, 2, 3});
  CHECK(torch::allclose(d.log_prob(x), dense.log_prob(x)));
  CHECK(torch::allclose(d.entropy(), dense.entropy()));
  CHECK(torch::allclose(d.covariance_matrix(), full_cov()));
  CHECK(torch::allclose(d.variance(), torch::diagonal(full_cov())));
}

TEST_CASE("LowRankMultivariateNormal: sample moments match loc and diag(W W^T + D)") {
  torch::manual_seed(1);
  check_moments(dist::LowRankMultivariateNormal(low_rank_loc(), factor(), diag()), low_rank_loc(),
                torch::diagonal(full_cov()));
}

TEST_CASE("LowRankMultivariateNormal: rsample gradients of E|x|^2 are 2W and 1 for the diagonal") {
  torch::manual_seed(2);
  auto w = factor().expand({kDraws, 3, 2}).clone().requires_grad_();
  auto dg = diag().expand({kDraws, 3}).clone().requires_grad_();
  dist::LowRankMultivariateNormal(low_rank_loc(), w, dg).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dW[1][0]", w.grad().select(-2, 1).select(-1, 0), 1.0);
  check_gradient_mean("d/dD[2]", dg.grad().select(-1, 2), 1.0);
}

TEST_CASE("LowRankMultivariateNormal: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::LowRankMultivariateNormal(low_rank_loc(), factor(), -diag()); },
                                      {"LowRankMultivariateNormal", "parameter 'cov_diag'"});
  check_throws_with<pplx::ShapeError>([] { dist::LowRankMultivariateNormal(low_rank_loc(), factor().t(), diag()); },
                                      {"LowRankMultivariateNormal", "cov_factor of shape [2, 3]"});
}

TEST_CASE("LowRankMultivariateNormal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::LowRankMultivariateNormal(torch::zeros({2, 3}), torch::ones({3, 1}), torch::ones({3})));
}
