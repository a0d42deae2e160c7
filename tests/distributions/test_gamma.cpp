// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Gamma: sample moments match concentration/rate and concentration/rate^2") {
  torch::manual_seed(1);
  auto a = torch::tensor({0.5, 3.0, 10.0}, torch::kDouble);
  auto b = torch::tensor({1.0, 2.0, 0.5}, torch::kDouble);
  check_moments(dist::Gamma(a, b), a / b, a / b.pow(2));
}

TEST_CASE("Gamma: log_prob is the closed form") {
  dist::Gamma d(torch::tensor(3.0, torch::kDouble), 2.0);
  const double x = 1.2;
  CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() ==
        doctest::Approx(3 * std::log(2.0) + 2 * std::log(x) - 2 * x - std::lgamma(3.0)).epsilon(1e-12));
}

TEST_CASE("Gamma: rsample gradients of E[x] = a/b are 1/b and -a/b^2") {
  torch::manual_seed(2);
  auto a = torch::full({kDraws}, 3.0, torch::kDouble).requires_grad_();
  auto b = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  dist::Gamma(a, b).rsample().sum().backward();
  check_gradient_mean("d/dconcentration", a.grad(), 0.5);
  check_gradient_mean("d/drate", b.grad(), -0.75);
}

TEST_CASE("Gamma: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::Gamma(0.0, 1.0); }, {"Gamma", "parameter 'concentration'"});
  check_throws_with<pplx::ValueError>([] { dist::Gamma(1.0, -2.0); }, {"Gamma", "parameter 'rate'", "positive"});
}

TEST_CASE("Gamma: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Gamma(torch::full({2, 2}, 2.0), 1.0));
}
