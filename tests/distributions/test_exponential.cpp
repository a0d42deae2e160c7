// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Exponential: sample moments match 1/rate and 1/rate^2") {
  torch::manual_seed(1);
  auto rate = torch::tensor({0.5, 2.0, 10.0}, torch::kDouble);
  check_moments(dist::Exponential(rate), rate.reciprocal(), rate.pow(-2));
}

TEST_CASE("Exponential: log_prob is log(rate) - rate x") {
  dist::Exponential d(torch::tensor(2.0, torch::kDouble));
  CHECK(d.log_prob(torch::tensor(0.3, torch::kDouble)).item<double>() ==
        doctest::Approx(std::log(2.0) - 0.6).epsilon(1e-12));
  CHECK(d.entropy().item<double>() == doctest::Approx(1 - std::log(2.0)).epsilon(1e-12));
}

TEST_CASE("Exponential: rsample gradient of E[x] = 1/rate is -1/rate^2") {
  torch::manual_seed(2);
  auto rate = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  dist::Exponential(rate).rsample().sum().backward();
  check_gradient_mean("d/drate", rate.grad(), -0.25);
}

TEST_CASE("Exponential: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Exponential(0.0); }, {"Exponential", "parameter 'rate'"});
  check_throws_with<pplx::ValueError>([] { dist::Exponential(1.0).log_prob(torch::tensor(-1.0)); },
                                      {"Exponential", "support"});
}

TEST_CASE("Exponential: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Exponential(torch::ones({3})));
}
