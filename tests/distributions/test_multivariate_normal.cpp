// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

namespace {
torch::Tensor mvn_cov() { return torch::tensor({{2.0, 0.6}, {0.6, 1.0}}, torch::kDouble); }
torch::Tensor mvn_loc() { return torch::tensor({1.0, -1.0}, torch::kDouble); }
}  // namespace

TEST_CASE("MultivariateNormal: sample mean, variance and covariance match loc and the covariance") {
  torch::manual_seed(1);
  auto d = dist::MultivariateNormal::with_covariance(mvn_loc(), mvn_cov());
  check_moments(d, mvn_loc(), torch::diagonal(mvn_cov()));
  auto x = d.sample({kDraws});
  auto c = x - x.mean(0);
  auto prod = c.select(-1, 0) * c.select(-1, 1);
  check_within("covariance", prod.mean(), torch::tensor(0.6, torch::kDouble), (prod.var() / kDraws).sqrt());
}

TEST_CASE("MultivariateNormal: scale_tril, covariance and precision forms agree with the closed form") {
  auto a = dist::MultivariateNormal::with_covariance(mvn_loc(), mvn_cov());
  auto b = dist::MultivariateNormal::with_precision(mvn_loc(), torch::inverse(mvn_cov()));
  auto c = dist::MultivariateNormal(mvn_loc(), torch::linalg_cholesky(mvn_cov()));
  auto x = torch::tensor({{0.5, 0.5}, {2.0, -3.0}}, torch::kDouble);
  auto diff = x - mvn_loc();
  auto maha = (diff.matmul(torch::inverse(mvn_cov())) * diff).sum(-1);
  auto expected = -0.5 * (2 * std::log(2 * M_PI) + std::log(2.0 - 0.36) + maha);
  CHECK(torch::allclose(a.log_prob(x), expected));
  CHECK(torch::allclose(b.log_prob(x), expected));
  CHECK(torch::allclose(c.log_prob(x), expected));
  CHECK(torch::allclose(b.covariance_matrix(), mvn_cov()));
  CHECK(torch::allclose(a.precision_matrix(), torch::inverse(mvn_cov())));
  CHECK(a.entropy().item<double>() == doctest::Approx(0.5 * std::log(std::pow(2 * M_PI * M_E, 2) * (2.0 - 0.36))));
}

TEST_CASE("MultivariateNormal: batched loc with one scale_tril, log_prob with sample dims") {
  auto d = dist::MultivariateNormal(torch::zeros({4, 3}, torch::kDouble), torch::eye(3, torch::kDouble));
  CHECK(d.batch_shape().vec() == std::vector<int64_t>{4});
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  auto x = torch::randn({7, 4, 3}, torch::kDouble);
  auto expected = dist::Normal(torch::zeros({3}, torch::kDouble), 1.0).to_event(1)->log_prob(x);
  CHECK(torch::allclose(d.log_prob(x), expected));
}

TEST_CASE("MultivariateNormal: rsample gradients of E|x|^2 = |loc|^2 + tr(L L^T) are 2 loc and 2 L") {
  torch::manual_seed(2);
  auto L0 = torch::linalg_cholesky(mvn_cov());
  auto l = mvn_loc().expand({kDraws, 2}).clone().requires_grad_();
  auto L = L0.expand({kDraws, 2, 2}).clone().requires_grad_();
  dist::MultivariateNormal(l, L).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dloc[0]", l.grad().select(-1, 0), 2.0);
  check_gradient_mean("d/dL[1][0]", L.grad().select(-2, 1).select(-1, 0), 2 * L0[1][0].item<double>());
  check_gradient_mean("d/dL[1][1]", L.grad().select(-2, 1).select(-1, 1), 2 * L0[1][1].item<double>());
}

TEST_CASE("MultivariateNormal: bad parameters") {
  check_throws_with<pplx::ValueError>(
      [] {
        dist::MultivariateNormal(torch::zeros({2}), torch::tensor({{1.0, 0.0}, {0.5, -1.0}}));
      },
      {"MultivariateNormal", "parameter 'scale_tril'", "lower_cholesky"});
  check_throws_with<pplx::ValueError>(
      [] {
        dist::MultivariateNormal::with_covariance(torch::zeros({2}), torch::tensor({{1.0, 2.0}, {2.0, 1.0}}));
      },
      {"MultivariateNormal", "parameter 'covariance_matrix'", "positive_definite"});
  check_throws_with<pplx::ValueError>([] { dist::MultivariateNormal(torch::zeros({}), torch::eye(1)); },
                                      {"MultivariateNormal", "'loc'", "one-dimensional"});
  check_throws_with<pplx::ShapeError>([] { dist::MultivariateNormal(torch::zeros({3}), torch::eye(2)); },
                                      {"MultivariateNormal", "scale_tril of shape [2, 2]", "loc of shape [3]"});
  check_throws_with<pplx::ShapeError>(
      [] { dist::MultivariateNormal(torch::zeros({2}), torch::eye(2)).log_prob(torch::zeros({3})); },
      {"MultivariateNormal", "event_shape [2]"});
}

TEST_CASE("MultivariateNormal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::MultivariateNormal(torch::zeros({2, 3}), torch::eye(3)));
}
