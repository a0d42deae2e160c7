// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("ScaleMixtureNormal: log_prob is log(pi N(x, loc, s1) + (1 - pi) N(x, loc, s2)), no stray constants") {
  dist::ScaleMixtureNormal d(torch::tensor(0.5, torch::kDouble), 1.0, 0.1, 0.25);
  for (double x : {0.5, 0.6, -1.0, 3.0}) {
    const double expected = std::log(0.25 * normal_pdf(x, 0.5, 1.0) + 0.75 * normal_pdf(x, 0.5, 0.1));
    CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  }
  // The density integrates to 1 (trapezoid rule on a fine grid).
  auto grid = torch::linspace(-15, 15, 300001, torch::kDouble);
  auto integral = torch::trapezoid(d.log_prob(grid).exp(), grid).item<double>();
  CHECK(integral == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("ScaleMixtureNormal: log_prob stays finite far in the tail (logsumexp)") {
  dist::ScaleMixtureNormal d(torch::tensor(0.0, torch::kDouble), 1.0, std::exp(-6.0), 0.5);
  const double x = 40.0;  // the narrow component's density underflows to 0 here
  const double expected = std::log(0.5) - 0.5 * x * x - 0.5 * std::log(2 * M_PI);
  CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("ScaleMixtureNormal: sample moments match loc and pi s1^2 + (1 - pi) s2^2") {
  torch::manual_seed(1);
  dist::ScaleMixtureNormal d(torch::tensor({0.5, -1.0}, torch::kDouble), 1.0, 0.1, 0.25);
  check_moments(d, torch::tensor({0.5, -1.0}, torch::kDouble), torch::full({2}, 0.25 + 0.75 * 0.01, torch::kDouble));
  CHECK_FALSE(d.has_rsample());
}

TEST_CASE("ScaleMixtureNormal: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::ScaleMixtureNormal(0.0, 1.0, 0.1, 1.5); },
                                      {"ScaleMixtureNormal", "parameter 'pi'", "unit_interval"});
  check_throws_with<pplx::ValueError>([] { dist::ScaleMixtureNormal(0.0, -1.0, 0.1, 0.5); },
                                      {"ScaleMixtureNormal", "parameter 'scale1'"});
}

TEST_CASE("ScaleMixtureNormal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::ScaleMixtureNormal(torch::zeros({2, 3}), 1.0, 0.01, 0.5));
}
