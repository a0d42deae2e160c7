// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("StudentT: sample moments match loc and scale^2 df/(df-2)") {
  torch::manual_seed(1);
  // df > 8 keeps the sample variance's own error estimate well behaved.
  auto df = torch::tensor({12.0, 20.0}, torch::kDouble);
  dist::StudentT d(df, torch::tensor({1.0, -1.0}, torch::kDouble), torch::tensor({2.0, 0.5}, torch::kDouble));
  check_moments(d, torch::tensor({1.0, -1.0}, torch::kDouble),
                torch::tensor({4.0 * 12 / 10, 0.25 * 20 / 18}, torch::kDouble));
}

TEST_CASE("StudentT: log_prob is the closed form, mean/variance undefined for small df") {
  dist::StudentT d(torch::tensor(3.0, torch::kDouble), 1.0, 2.0);
  const double nu = 3.0, z = (0.5 - 1.0) / 2.0;
  const double expected = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI) -
                          std::log(2.0) - (nu + 1) / 2 * std::log1p(z * z / nu);
  CHECK(d.log_prob(torch::tensor(0.5, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  dist::StudentT heavy(torch::tensor({0.5, 1.5}, torch::kDouble));
  CHECK(std::isnan(heavy.mean()[0].item<double>()));
  CHECK(heavy.mean()[1].item<double>() == 0.0);
  CHECK(std::isinf(heavy.variance()[1].item<double>()));
}

TEST_CASE("StudentT: rsample gradients of E[x^2] = loc^2 + scale^2 df/(df-2)") {
  torch::manual_seed(2);
  auto df = torch::full({kDraws}, 12.0, torch::kDouble).requires_grad_();
  auto loc = torch::full({kDraws}, 1.0, torch::kDouble).requires_grad_();
  auto scale = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  dist::StudentT(df, loc, scale).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dloc", loc.grad(), 2.0);
  check_gradient_mean("d/dscale", scale.grad(), 2 * 2.0 * 12 / 10);
  check_gradient_mean("d/ddf", df.grad(), 4.0 * -2.0 / 100);
}

TEST_CASE("StudentT: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::StudentT(0.0); }, {"StudentT", "parameter 'df'"});
  check_throws_with<pplx::ValueError>([] { dist::StudentT(3.0, 0.0, -1.0); }, {"StudentT", "parameter 'scale'"});
}

TEST_CASE("StudentT: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::StudentT(torch::full({3}, 4.0)));
}
