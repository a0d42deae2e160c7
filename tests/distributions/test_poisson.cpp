// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Poisson: sample moments match rate and rate") {
  torch::manual_seed(1);
  auto rate = torch::tensor({0.5, 4.0, 30.0}, torch::kDouble);
  check_moments(dist::Poisson(rate), rate, rate);
}

TEST_CASE("Poisson: log_prob is k log(rate) - rate - log k!, rate 0 puts all mass at 0") {
  dist::Poisson d(torch::tensor(2.5, torch::kDouble));
  CHECK(d.log_prob(torch::tensor(3.0, torch::kDouble)).item<double>() ==
        doctest::Approx(3 * std::log(2.5) - 2.5 - std::log(6.0)).epsilon(1e-12));
  dist::Poisson zero(torch::tensor(0.0, torch::kDouble));
  CHECK(zero.log_prob(torch::tensor(0.0, torch::kDouble)).item<double>() == 0.0);
  CHECK(zero.log_prob(torch::tensor(2.0, torch::kDouble)).item<double>() == -std::numeric_limits<double>::infinity());
  check_throws_with<pplx::NotImplementedError>([&] { d.entropy(); }, {"Poisson", "entropy"});
}

TEST_CASE("Poisson: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Poisson(-1.0); }, {"Poisson", "parameter 'rate'", "nonnegative"});
  check_throws_with<pplx::ValueError>([] { dist::Poisson(2.0).log_prob(torch::tensor(1.5)); },
                                      {"Poisson", "nonnegative_integer"});
}

TEST_CASE("Poisson: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Poisson(torch::full({2, 2}, 3.0)));
}
