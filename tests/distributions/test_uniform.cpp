// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Uniform: sample moments match (low+high)/2 and (high-low)^2/12") {
  torch::manual_seed(1);
  auto lo = torch::tensor({-1.0, 2.0}, torch::kDouble);
  auto hi = torch::tensor({3.0, 2.5}, torch::kDouble);
  check_moments(dist::Uniform(lo, hi), (lo + hi) / 2, (hi - lo).pow(2) / 12);
}

TEST_CASE("Uniform: log_prob is -log(high - low) on low <= x < high and -inf at high") {
  dist::Uniform d(torch::tensor(-1.0, torch::kDouble), 3.0);
  auto lp = d.log_prob(torch::tensor({-1.0, 0.0, 3.0}, torch::kDouble));
  CHECK(lp[0].item<double>() == doctest::Approx(-std::log(4.0)));
  CHECK(lp[1].item<double>() == doctest::Approx(-std::log(4.0)));
  CHECK(lp[2].item<double>() == -std::numeric_limits<double>::infinity());
  CHECK(d.support()->name() == "interval");
}

TEST_CASE("Uniform: rsample gradients of E[x] are 1/2 for low and high") {
  torch::manual_seed(2);
  auto lo = torch::full({kDraws}, -1.0, torch::kDouble).requires_grad_();
  auto hi = torch::full({kDraws}, 3.0, torch::kDouble).requires_grad_();
  dist::Uniform(lo, hi).rsample().sum().backward();
  check_gradient_mean("d/dlow", lo.grad(), 0.5);
  check_gradient_mean("d/dhigh", hi.grad(), 0.5);
}

TEST_CASE("Uniform: low must be below high") {
  check_throws_with<pplx::ValueError>([] { dist::Uniform(1.0, 1.0); }, {"Uniform", "'low' must be < 'high'"});
  check_throws_with<pplx::ValueError>(
      [] {
        dist::Uniform(torch::tensor({0.0, 2.0}), torch::tensor({1.0, 1.0}));
      },
      {"Uniform", "1 of 2", "low = 2"});
  check_throws_with<pplx::ValueError>([] { dist::Uniform(0.0, 1.0).log_prob(torch::tensor(1.5)); },
                                      {"Uniform", "support"});
}

TEST_CASE("Uniform: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Uniform(torch::zeros({2, 1}), torch::ones({3})));
}
