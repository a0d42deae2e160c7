// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Beta: sample moments match a/(a+b) and ab/((a+b)^2 (a+b+1))") {
  torch::manual_seed(1);
  auto a = torch::tensor({2.0, 0.5}, torch::kDouble);
  auto b = torch::tensor({5.0, 0.5}, torch::kDouble);
  auto t = a + b;
  check_moments(dist::Beta(a, b), a / t, a * b / (t.pow(2) * (t + 1)));
}

TEST_CASE("Beta: log_prob is the closed form") {
  dist::Beta d(torch::tensor(2.0, torch::kDouble), 5.0);
  const double x = 0.3;
  const double lbeta = std::lgamma(2.0) + std::lgamma(5.0) - std::lgamma(7.0);
  CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() ==
        doctest::Approx(std::log(x) + 4 * std::log(1 - x) - lbeta).epsilon(1e-12));
}

TEST_CASE("Beta: rsample gradients of E[x] are b/(a+b)^2 and -a/(a+b)^2") {
  torch::manual_seed(2);
  auto a = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  auto b = torch::full({kDraws}, 5.0, torch::kDouble).requires_grad_();
  dist::Beta(a, b).rsample().sum().backward();
  check_gradient_mean("d/dconcentration1", a.grad(), 5.0 / 49.0);
  check_gradient_mean("d/dconcentration0", b.grad(), -2.0 / 49.0);
}

TEST_CASE("Beta: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Beta(0.0, 1.0); }, {"Beta", "parameter 'concentration1'"});
  check_throws_with<pplx::ValueError>([] { dist::Beta(1.0, -1.0); }, {"Beta", "parameter 'concentration0'"});
  check_throws_with<pplx::ValueError>([] { dist::Beta(2.0, 2.0).log_prob(torch::tensor(1.5)); },
                                      {"Beta", "outside the support unit_interval"});
}

TEST_CASE("Beta: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Beta(torch::full({3}, 2.0), 2.0));
}
