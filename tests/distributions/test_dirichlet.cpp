// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Dirichlet: sample moments match a/A and a(A-a)/(A^2 (A+1))") {
  torch::manual_seed(1);
  auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
  const double A = 6.0;
  check_moments(dist::Dirichlet(a), a / A, a * (A - a) / (A * A * (A + 1)));
}

TEST_CASE("Dirichlet: log_prob is the closed form, shapes") {
  dist::Dirichlet d(torch::tensor({1.0, 2.0, 3.0}, torch::kDouble));
  CHECK(d.batch_shape().empty());
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  auto x = torch::tensor({0.2, 0.3, 0.5}, torch::kDouble);
  const double expected = std::log(0.3) + 2 * std::log(0.5) + std::lgamma(6.0) - std::lgamma(2.0) - std::lgamma(3.0);
  CHECK(d.log_prob(x).item<double>() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("Dirichlet: rsample gradient of E[x_0] w.r.t. a_0 is (A - a_0)/A^2") {
  torch::manual_seed(2);
  auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble).expand({kDraws, 3}).clone().requires_grad_();
  dist::Dirichlet(a).rsample().select(-1, 0).sum().backward();
  check_gradient_mean("d/da0", a.grad().select(-1, 0), 5.0 / 36.0);
  check_gradient_mean("d/da1", a.grad().select(-1, 1), -1.0 / 36.0);
}

TEST_CASE("Dirichlet: bad parameters and values") {
  check_throws_with<pplx::ValueError>(
      [] {
        dist::Dirichlet(torch::tensor({1.0, 0.0, 2.0}));
      },
      {"Dirichlet", "parameter 'concentration'", "[3]", "independent(positive, 1)"});
  check_throws_with<pplx::ValueError>([] { dist::Dirichlet(torch::tensor(1.0)); },
                                      {"Dirichlet", "'concentration'", "at least 1", "[]"});
  check_throws_with<pplx::ValueError>(
      [] {
        dist::Dirichlet(torch::ones({3})).log_prob(torch::tensor({0.2, 0.3, 0.4}));
      },
      {"Dirichlet", "simplex"});
}

TEST_CASE("Dirichlet: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Dirichlet(torch::ones({2, 4})));
}

TEST_CASE("Dirichlet: tiny concentrations are sampled in log space (float32 Dirichlet([1e-3, 1e-3]))") {
  // Its first component is Beta(1e-3, 1e-3): about 0.22 % of the mass lies in (0.1, 0.9). Gamma
  // draws normalized outside log space underflowed and gave [0.5, 0.5] 84 % of the time.
  torch::manual_seed(4);
  const int64_t n = 1000000;
  const double a = 1e-3;
  auto x = dist::Dirichlet(torch::full({2}, a)).sample({n});
  REQUIRE((x.scalar_type() == torch::kFloat));
  auto x0 = x.select(-1, 0);
  // P(0.1 < X < 0.9) for Beta(a, a), Simpson's rule on the density.
  const double log_beta = 2 * std::lgamma(a) - std::lgamma(2 * a);
  auto pdf = [&](double v) { return std::exp((a - 1) * (std::log(v) + std::log1p(-v)) - log_beta); };
  const int m = 2000;
  const double h = 0.8 / m;
  double s = pdf(0.1) + pdf(0.9);
  for (int i = 1; i < m; ++i) s += (i % 2 ? 4 : 2) * pdf(0.1 + i * h);
  const double p = s * h / 3;
  const double inside = ((x0 > 0.1) & (x0 < 0.9)).sum().item<double>();
  INFO("draws in (0.1, 0.9): " << inside << " of " << n << ", expected " << n * p);
  CHECK(std::abs(inside - n * p) <= kSigmas * std::sqrt(n * p * (1 - p)));
  CHECK(x0.eq(0.5).sum().item<int64_t>() == 0);
  CHECK(std::abs(x0.to(torch::kDouble).mean().item<double>() - 0.5) <= kSigmas * 0.5 / std::sqrt(double(n)));
  // Draws stay on the simplex: components clamped away from 0, sums 1 within float32 rounding.
  CHECK((x > 0).all().item<bool>());
  CHECK(pplx::constraints::simplex->check(x).all().item<bool>());
  CHECK(torch::isfinite(dist::Dirichlet(torch::full({2}, a)).log_prob(x)).all().item<bool>());
}

TEST_CASE("Dirichlet: concentrations below and above 1, float32 and float64, keep their mean and variance") {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    torch::manual_seed(5);
    auto a = torch::tensor({0.2, 0.5, 3.0, 0.05}, dtype);
    const double A = 3.75;
    check_moments(dist::Dirichlet(a), a / A, a * (A - a) / (A * A * (A + 1)));
  }
}

TEST_CASE("Dirichlet: rsample gradients stay unbiased where concentrations are below 1") {
  torch::manual_seed(6);
  auto a = torch::tensor({0.3, 0.6, 1.5}, torch::kDouble).expand({kDraws, 3}).clone().requires_grad_();
  const double A = 2.4;
  dist::Dirichlet(a).rsample().select(-1, 0).sum().backward();
  check_gradient_mean("dE[x0]/da0", a.grad().select(-1, 0), (A - 0.3) / (A * A));
  check_gradient_mean("dE[x0]/da1", a.grad().select(-1, 1), -0.3 / (A * A));
  check_gradient_mean("dE[x0]/da2", a.grad().select(-1, 2), -0.3 / (A * A));
}
