// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Dirichlet: sample moments match a/A and a(A-a)/(A^2 (A+1))") {
  torch::manual_seed(1);
  auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
  const double A = 6.0;
  check_moments(dist::Dirichlet(a), a / A, a * (A - a) / (A * A * (A + 1)));
}

TEST_CASE("Dirichlet: log_prob is the closed form, shapes") {
  dist::Dirichlet d(torch::tensor({1.0, 2.0, 3.0}, torch::kDouble));
  CHECK(d.batch_shape().empty());
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  auto x = torch::tensor({0.2, 0.3, 0.5}, torch::kDouble);
  const double expected = std::log(0.3) + 2 * std::log(0.5) + std::lgamma(6.0) - std::lgamma(2.0) - std::lgamma(3.0);
  CHECK(d.log_prob(x).item<double>() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("Dirichlet: rsample gradient of E[x_0] w.r.t. a_0 is (A - a_0)/A^2") {
  torch::manual_seed(2);
  auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble).expand({kDraws, 3}).clone().requires_grad_();
  dist::Dirichlet(a).rsample().select(-1, 0).sum().backward();
  check_gradient_mean("d/da0", a.grad().select(-1, 0), 5.0 / 36.0);
  check_gradient_mean("d/da1", a.grad().select(-1, 1), -1.0 / 36.0);
}

TEST_CASE("Dirichlet: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Dirichlet(torch::tensor({1.0, 0.0, 2.0})); },
                                      {"Dirichlet", "parameter 'concentration'", "[3]", "independent(positive, 1)"});
  check_throws_with<pplx::ValueError>([] { dist::Dirichlet(torch::tensor(1.0)); },
                                      {"Dirichlet", "'concentration'", "at least 1", "[]"});
  check_throws_with<pplx::ValueError>([] { dist::Dirichlet(torch::ones({3})).log_prob(torch::tensor({0.2, 0.3, 0.4})); },
                                      {"Dirichlet", "simplex"});
}

TEST_CASE("Dirichlet: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Dirichlet(torch::ones({2, 4})));
}
