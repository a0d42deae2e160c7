// SPDX-License-Identifier: Apache-2.0
// Validation as a switch, and the shape errors every family shares.
#include <limits>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("validation: off, bad parameters are accepted and out-of-support values score as torch does") {
  pplx::ValidationScope off(false);
  CHECK_NOTHROW(dist::Normal(0.0, -1.0));
  CHECK_NOTHROW(dist::Bernoulli(1.5));
  auto lp = dist::Exponential(1.0).log_prob(torch::tensor(-1.0));
  CHECK(lp.item<float>() == doctest::Approx(1.0));  // log(1) - 1 * (-1): torch does not mask either
  CHECK(dist::Uniform(0.0, 1.0).log_prob(torch::tensor(2.0)).item<float>() == -std::numeric_limits<float>::infinity());
}

TEST_CASE("validation: on by default, and restored by ValidationScope") {
  CHECK(pplx::is_validation_enabled());
  { pplx::ValidationScope off(false); CHECK_FALSE(pplx::is_validation_enabled()); }
  CHECK(pplx::is_validation_enabled());
  CHECK_THROWS_AS(dist::Normal(0.0, -1.0), pplx::ValueError);
}

TEST_CASE("validation: values of the wrong event shape are a ShapeError naming the shapes") {
  auto d = dist::Dirichlet(torch::ones({2, 3}));
  check_throws_with<pplx::ShapeError>([&] { d.log_prob(torch::full({2, 4}, 0.25)); },
                                      {"Dirichlet", "[2, 4]", "event_shape [3]"});
  check_throws_with<pplx::ShapeError>([&] { d.log_prob(torch::full({5, 3}, 1.0 / 3)); },
                                      {"Dirichlet", "does not broadcast", "batch_shape [2]"});
}

TEST_CASE("validation: expand to an incompatible batch shape is a ShapeError") {
  check_throws_with<pplx::ShapeError>([] { dist::Gamma(torch::ones({3}), 1.0).expand({2}); },
                                      {"Gamma.expand([2])", "batch_shape [3]"});
}
