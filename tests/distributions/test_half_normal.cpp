// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("HalfNormal: sample moments match scale sqrt(2/pi) and scale^2 (1 - 2/pi)") {
  torch::manual_seed(1);
  dist::HalfNormal d(torch::tensor({0.5, 1.5}, torch::kDouble));
  auto s = torch::tensor({0.5, 1.5}, torch::kDouble);
  check_moments(d, s * std::sqrt(2 / M_PI), s.pow(2) * (1 - 2 / M_PI));
}

TEST_CASE("HalfNormal: log_prob is twice the Normal density on x >= 0") {
  dist::HalfNormal d(torch::tensor(1.5, torch::kDouble));
  auto x = torch::tensor({0.0, 0.7, 2.0}, torch::kDouble);
  auto expected = dist::Normal(torch::tensor(0.0, torch::kDouble), 1.5).log_prob(x) + std::log(2.0);
  CHECK(torch::allclose(d.log_prob(x), expected));
  pplx::ValidationScope off(false);
  CHECK(d.log_prob(torch::tensor(-1.0, torch::kDouble)).item<double>() == -std::numeric_limits<double>::infinity());
}

TEST_CASE("HalfNormal: rsample gradient of E[x] is sqrt(2/pi)") {
  torch::manual_seed(2);
  auto s = torch::full({kDraws}, 1.2, torch::kDouble).requires_grad_();
  dist::HalfNormal(s).rsample().sum().backward();
  check_gradient_mean("d/dscale", s.grad(), std::sqrt(2 / M_PI));
}

TEST_CASE("HalfNormal: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::HalfNormal(-1.0); }, {"HalfNormal", "parameter 'scale'", "positive"});
  check_throws_with<pplx::ValueError>([] { dist::HalfNormal(1.0).log_prob(torch::tensor(-0.5)); },
                                      {"HalfNormal", "outside the support nonnegative"});
}

TEST_CASE("HalfNormal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::HalfNormal(torch::ones({2, 2})));
}
