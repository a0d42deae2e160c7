// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Laplace: sample moments match loc and 2 scale^2") {
  torch::manual_seed(1);
  dist::Laplace d(torch::tensor({1.0, -3.0}, torch::kDouble), torch::tensor({0.5, 2.0}, torch::kDouble));
  check_moments(d, torch::tensor({1.0, -3.0}, torch::kDouble), torch::tensor({0.5, 8.0}, torch::kDouble));
}

TEST_CASE("Laplace: log_prob and entropy are the closed forms") {
  dist::Laplace d(torch::tensor(1.0, torch::kDouble), 0.5);
  CHECK(d.log_prob(torch::tensor(2.0, torch::kDouble)).item<double>() ==
        doctest::Approx(-std::log(1.0) - 2.0).epsilon(1e-12));
  CHECK(d.entropy().item<double>() == doctest::Approx(1 + std::log(1.0)).epsilon(1e-12));
}

TEST_CASE("Laplace: rsample gradients of E[x^2] = loc^2 + 2 scale^2") {
  torch::manual_seed(2);
  auto loc = torch::full({kDraws}, 1.0, torch::kDouble).requires_grad_();
  auto scale = torch::full({kDraws}, 0.5, torch::kDouble).requires_grad_();
  dist::Laplace(loc, scale).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dloc", loc.grad(), 2.0);
  check_gradient_mean("d/dscale", scale.grad(), 4 * 0.5);
}

TEST_CASE("Laplace: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::Laplace(0.0, 0.0); }, {"Laplace", "parameter 'scale'", "positive"});
}

TEST_CASE("Laplace: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Laplace(torch::zeros({2, 3}), 1.0));
}
