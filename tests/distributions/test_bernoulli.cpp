// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Bernoulli: sample moments match p and p(1-p)") {
  torch::manual_seed(1);
  auto p = torch::tensor({0.2, 0.5, 0.9}, torch::kDouble);
  check_moments(dist::Bernoulli(p), p, p * (1 - p));
}

TEST_CASE("Bernoulli: probs and logits forms agree") {
  auto p = torch::tensor({0.2, 0.7}, torch::kDouble);
  auto by_probs = dist::Bernoulli::with_probs(p);
  auto by_logits = dist::Bernoulli::with_logits(p.log() - (-p).log1p());
  auto x = torch::tensor({1.0, 0.0}, torch::kDouble);
  CHECK(torch::allclose(by_probs.log_prob(x), torch::tensor({std::log(0.2), std::log(0.3)}, torch::kDouble)));
  CHECK(torch::allclose(by_logits.log_prob(x), by_probs.log_prob(x)));
  CHECK(torch::allclose(by_logits.probs(), p));
  const double h = -(0.2 * std::log(0.2) + 0.8 * std::log(0.8));
  CHECK(by_probs.entropy()[0].item<double>() == doctest::Approx(h).epsilon(1e-12));
  // Bool and integer observations are converted, not rejected.
  CHECK(torch::allclose(by_probs.log_prob(torch::tensor({true, false})), by_probs.log_prob(x)));
}

TEST_CASE("Bernoulli: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(1.5); }, {"Bernoulli", "parameter 'probs'", "unit_interval"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli::with_logits(std::nan("")); },
                                      {"Bernoulli", "parameter 'logits'", "real"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(0.5).log_prob(torch::tensor(0.5)); },
                                      {"Bernoulli", "outside the support boolean"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(dist::BernoulliParams{}); },
                                      {"Bernoulli", "exactly one of probs or logits"});
}

TEST_CASE("Bernoulli: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Bernoulli(torch::full({2, 3}, 0.3)));
}
