// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Binomial: sample moments match n p and n p (1 - p)") {
  torch::manual_seed(1);
  auto n = torch::tensor({10.0, 4.0}, torch::kDouble);
  auto p = torch::tensor({0.3, 0.9}, torch::kDouble);
  check_moments(dist::Binomial(n, p), n * p, n * p * (1 - p));
}

TEST_CASE("Binomial: log_prob is the closed form, also from logits and integer values") {
  auto d = dist::Binomial(torch::tensor(10.0, torch::kDouble), 0.3);
  const double expected = std::log(120.0) + 3 * std::log(0.3) + 7 * std::log(0.7);
  CHECK(d.log_prob(torch::tensor(3.0, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(d.log_prob(torch::tensor(3, torch::kLong)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  auto e = dist::Binomial::with_logits(torch::tensor(10.0, torch::kDouble), std::log(0.3 / 0.7));
  CHECK(e.log_prob(torch::tensor(3.0, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  // Entropy sums over the support; it needs one total_count.
  double h = 0;
  for (int k = 0; k <= 10; ++k) {
    double lp = d.log_prob(torch::tensor(double(k), torch::kDouble)).item<double>();
    h -= std::exp(lp) * lp;
  }
  CHECK(d.entropy().item<double>() == doctest::Approx(h).epsilon(1e-12));
  check_throws_with<pplx::NotImplementedError>(
      [] {
        dist::Binomial(torch::tensor({2.0, 3.0}), 0.5).entropy();
      },
      {"Binomial", "total_count"});
}

TEST_CASE("Binomial: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Binomial(2.5, 0.5); },
                                      {"Binomial", "parameter 'total_count'", "nonnegative_integer"});
  check_throws_with<pplx::ValueError>([] { dist::Binomial(5, 1.5); }, {"Binomial", "parameter 'probs'"});
  check_throws_with<pplx::ValueError>([] { dist::Binomial(4, 0.5).log_prob(torch::tensor(5.0)); },
                                      {"Binomial", "integer_interval"});
}

TEST_CASE("Binomial: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Binomial(torch::tensor({3.0, 5.0}), 0.4));
}
