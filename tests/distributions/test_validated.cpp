// SPDX-License-Identifier: Apache-2.0
// Validation as a switch, and the shape errors every family shares.
#include <limits>

#include "helpers.h"

#include <pplx/distributions/detail/validated.h>

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
  {
    pplx::ValidationScope off(false);
    CHECK_FALSE(pplx::is_validation_enabled());
  }
  CHECK(pplx::is_validation_enabled());
  CHECK_THROWS_AS(dist::Normal(0.0, -1.0), pplx::ValueError);
}

TEST_CASE("validation: values of the wrong event shape are a ShapeError naming the shapes") {
  auto d = dist::Dirichlet(torch::ones({2, 3}));
  check_throws_with<pplx::ShapeError>(
      [&] {
        d.log_prob(torch::full({2, 4}, 0.25));
      },
      {"Dirichlet", "[2, 4]", "event_shape [3]"});
  check_throws_with<pplx::ShapeError>(
      [&] {
        d.log_prob(torch::full({5, 3}, 1.0 / 3));
      },
      {"Dirichlet", "does not broadcast", "batch_shape [2]"});
}

TEST_CASE("validation: expand to an incompatible batch shape is a ShapeError") {
  check_throws_with<pplx::ShapeError>([] { dist::Gamma(torch::ones({3}), 1.0).expand({2}); },
                                      {"Gamma.expand([2])", "batch_shape [3]"});
}

TEST_CASE("validation: a tensor that passed is remembered until it changes in place") {
  // Constant prior parameters and observed data are checked once per thread, not per step; an
  // in-place change (optimizer step, fill_) bumps the version counter and forces a new check.
  auto scale = torch::ones({3});
  auto data = torch::full({3}, 0.5);
  CHECK_NOTHROW(dist::Normal(torch::zeros({3}), scale));
  CHECK_NOTHROW(dist::Exponential(1.0).log_prob(data));
  CHECK(dist::detail::known_valid(scale, pplx::constraints::positive));
  CHECK(dist::detail::known_valid(data, pplx::constraints::nonnegative));
  scale.fill_(-1.0);
  data.neg_();
  CHECK_FALSE(dist::detail::known_valid(scale, pplx::constraints::positive));
  check_throws_with<pplx::ValueError>([&] { dist::Normal(torch::zeros({3}), scale); },
                                      {"Normal", "'scale'", "positive", "3 of 3"});
  check_throws_with<pplx::ValueError>([&] { dist::Exponential(1.0).log_prob(data); },
                                      {"Exponential", "outside the support"});
  // A view is another tensor: it is checked on its own.
  auto base = torch::ones({4});
  CHECK_NOTHROW(dist::Normal(0.0, base));
  auto view = base.narrow(0, 0, 2);
  CHECK_FALSE(dist::detail::known_valid(view, pplx::constraints::positive));
  view.fill_(0.0);  // shares base's version counter: base is no longer known valid either
  CHECK_FALSE(dist::detail::known_valid(base, pplx::constraints::positive));
  CHECK_THROWS_AS(dist::Normal(0.0, base), pplx::ValueError);
}

TEST_CASE("validation: the memory never confuses a freed tensor with a new one") {
  // Many short-lived tensors: each new one must be checked, whatever address it gets.
  for (int i = 0; i < 200; ++i) {
    auto good = torch::full({2}, 1.0);
    CHECK_NOTHROW(dist::Normal(0.0, good));
  }
  for (int i = 0; i < 50; ++i) {
    auto bad = torch::full({2}, -1.0);
    CHECK_THROWS_AS(dist::Normal(0.0, bad), pplx::ValueError);
  }
}
