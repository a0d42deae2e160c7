// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Categorical: sample frequencies match probs") {
  torch::manual_seed(1);
  auto p = torch::tensor({{0.1, 0.2, 0.7}, {0.5, 0.25, 0.25}}, torch::kDouble);
  dist::Categorical d(p);
  auto x = d.sample({kDraws});
  CHECK((x.scalar_type() == torch::kLong));
  CHECK(x.sizes().vec() == std::vector<int64_t>{kDraws, 2});
  auto freq = torch::one_hot(x, 3).to(torch::kDouble).mean(0);
  check_within("frequencies", freq, p, (p * (1 - p) / kDraws).sqrt());
}

TEST_CASE("Categorical: unnormalized probs and logits give the same log_prob") {
  auto p = torch::tensor({1.0, 2.0, 5.0}, torch::kDouble);  // normalized to [1/8, 2/8, 5/8]
  auto a = dist::Categorical::with_probs(p);
  auto b = dist::Categorical::with_logits(p.log() + 3.0);
  auto x = torch::tensor({0, 2, 1}, torch::kLong);
  auto expected = torch::tensor({std::log(1 / 8.0), std::log(5 / 8.0), std::log(2 / 8.0)}, torch::kDouble);
  CHECK(torch::allclose(a.log_prob(x), expected));
  CHECK(torch::allclose(b.log_prob(x), expected));
  CHECK(a.entropy().item<double>() ==
        doctest::Approx(-(1 / 8.0 * std::log(1 / 8.0) + 2 / 8.0 * std::log(2 / 8.0) + 5 / 8.0 * std::log(5 / 8.0))));
  CHECK(std::isnan(a.mean().item<double>()));
}

TEST_CASE("Categorical: float labels are rejected with a clear message") {
  dist::Categorical d(torch::tensor({0.2, 0.3, 0.5}));
  check_throws_with<pplx::ValueError>(
      [&] {
        d.log_prob(torch::tensor({1.0, 2.0}));
      },
      {"Categorical", "integer dtype", "Float", "[2]", "torch::kLong"});
  check_throws_with<pplx::ValueError>([&] { d.log_prob(torch::tensor({3}, torch::kLong)); },
                                      {"Categorical", "integer_interval"});
}

TEST_CASE("Categorical: bad parameters") {
  check_throws_with<pplx::ValueError>(
      [] {
        dist::Categorical(torch::tensor({0.5, -0.1, 0.6}));
      },
      {"Categorical", "parameter 'probs'", "simplex"});
  check_throws_with<pplx::ValueError>([] { dist::Categorical(torch::tensor(0.5)); },
                                      {"Categorical", "'probs'", "one-dimensional", "got shape []"});
  check_throws_with<pplx::ValueError>(
      [] {
        dist::Categorical::with_logits(torch::tensor({0.0, std::nan(""), 1.0}));
      },
      {"Categorical", "parameter 'logits'", "real_vector"});
}

TEST_CASE("Categorical: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Categorical(torch::ones({2, 3, 4})));
}
