// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Beta: sample moments match a/(a+b) and ab/((a+b)^2 (a+b+1))") {
  torch::manual_seed(1);
  auto a = torch::tensor({2.0, 0.5}, torch::kDouble);
  auto b = torch::tensor({5.0, 0.5}, torch::kDouble);
  auto t = a + b;
  check_moments(dist::Beta(a, b), a / t, a * b / (t.pow(2) * (t + 1)));
}

TEST_CASE("Beta: log_prob is the closed form") {
  dist::Beta d(torch::tensor(2.0, torch::kDouble), 5.0);
  const double x = 0.3;
  const double lbeta = std::lgamma(2.0) + std::lgamma(5.0) - std::lgamma(7.0);
  CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() ==
        doctest::Approx(std::log(x) + 4 * std::log(1 - x) - lbeta).epsilon(1e-12));
}

TEST_CASE("Beta: rsample gradients of E[x] are b/(a+b)^2 and -a/(a+b)^2") {
  torch::manual_seed(2);
  auto a = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  auto b = torch::full({kDraws}, 5.0, torch::kDouble).requires_grad_();
  dist::Beta(a, b).rsample().sum().backward();
  check_gradient_mean("d/dconcentration1", a.grad(), 5.0 / 49.0);
  check_gradient_mean("d/dconcentration0", b.grad(), -2.0 / 49.0);
}

TEST_CASE("Beta: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Beta(0.0, 1.0); }, {"Beta", "parameter 'concentration1'"});
  check_throws_with<pplx::ValueError>([] { dist::Beta(1.0, -1.0); }, {"Beta", "parameter 'concentration0'"});
  check_throws_with<pplx::ValueError>([] { dist::Beta(2.0, 2.0).log_prob(torch::tensor(1.5)); },
                                      {"Beta", "outside the support unit_interval"});
}

TEST_CASE("Beta: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Beta(torch::full({3}, 2.0), 2.0));
}

namespace {
// P(lo < X < hi) for X ~ Beta(a, b): Simpson's rule on the density, which is smooth inside (0, 1).
double beta_interval_probability(double a, double b, double lo, double hi) {
  const double log_beta = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  auto pdf = [&](double x) { return std::exp((a - 1) * std::log(x) + (b - 1) * std::log1p(-x) - log_beta); };
  const int n = 2000;
  const double h = (hi - lo) / n;
  double s = pdf(lo) + pdf(hi);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * pdf(lo + i * h);
  return s * h / 3;
}
}  // namespace

TEST_CASE("Beta: tiny concentrations are sampled in log space (float32 Beta(1e-3, 1e-3))") {
  // Both gamma draws of x = g1 / (g1 + g0) underflow to float32's smallest normal 84 % of the
  // time, which made 84 % of the draws exactly 0.5. About 0.22 % of the mass lies in (0.1, 0.9).
  torch::manual_seed(4);
  const int64_t n = 1000000;
  const double a = 1e-3;
  auto x = dist::Beta(torch::full({}, a), a).sample({n});
  REQUIRE((x.scalar_type() == torch::kFloat));
  const double p = beta_interval_probability(a, a, 0.1, 0.9);
  CHECK(p == doctest::Approx(0.0022).epsilon(0.05));  // the reference itself: 2 ln 9 / B(a, a) to first order
  const double inside = ((x > 0.1) & (x < 0.9)).sum().item<double>();
  INFO("draws in (0.1, 0.9): " << inside << " of " << n << ", expected " << n * p);
  CHECK(std::abs(inside - n * p) <= kSigmas * std::sqrt(n * p * (1 - p)));
  // An exact sampler gives 0.5 only when |log g1 - log g0| < 6e-8, which has probability ~1e-10.
  CHECK(x.eq(0.5).sum().item<int64_t>() == 0);
  // Symmetric: the mean is 1/2 within the standard error of nearly-Bernoulli(1/2) draws.
  CHECK(std::abs(x.to(torch::kDouble).mean().item<double>() - 0.5) <= kSigmas * 0.5 / std::sqrt(double(n)));
  // Draws stay in the support: clamped to [tiny, 1 - eps] where they round to 0 or 1.
  CHECK((x > 0).all().item<bool>());
  CHECK((x < 1).all().item<bool>());
  CHECK(pplx::constraints::unit_interval->check(x).all().item<bool>());
  CHECK(torch::isfinite(dist::Beta(torch::full({}, a), a).log_prob(x)).all().item<bool>());
}

TEST_CASE("Beta: concentrations below and above 1, float32 and float64, keep their mean and variance") {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    torch::manual_seed(5);
    auto a = torch::tensor({0.1, 0.7, 3.0, 0.05}, dtype);
    auto b = torch::tensor({0.2, 2.0, 0.9, 0.05}, dtype);
    auto t = a + b;
    check_moments(dist::Beta(a, b), a / t, a * b / (t.pow(2) * (t + 1)));
  }
}

TEST_CASE("Beta: rsample gradients stay unbiased where concentrations are below 1") {
  // E[x] = a / (a + b); E[log x] = digamma(a) - digamma(a + b), whose gradient weighs the tails.
  torch::manual_seed(6);
  const double a0 = 0.5, b0 = 0.3;
  auto a = torch::full({kDraws}, a0, torch::kDouble).requires_grad_();
  auto b = torch::full({kDraws}, b0, torch::kDouble).requires_grad_();
  dist::Beta(a, b).rsample().sum().backward();
  check_gradient_mean("dE[x]/dconcentration1", a.grad(), b0 / ((a0 + b0) * (a0 + b0)));
  check_gradient_mean("dE[x]/dconcentration0", b.grad(), -a0 / ((a0 + b0) * (a0 + b0)));
  auto a2 = torch::full({kDraws}, a0, torch::kDouble).requires_grad_();
  auto b2 = torch::full({kDraws}, b0, torch::kDouble).requires_grad_();
  dist::Beta(a2, b2).rsample().log().sum().backward();
  auto trigamma = [](double v) { return torch::polygamma(1, torch::tensor(v, torch::kDouble)).item<double>(); };
  check_gradient_mean("dE[log x]/dconcentration1", a2.grad(), trigamma(a0) - trigamma(a0 + b0));
  check_gradient_mean("dE[log x]/dconcentration0", b2.grad(), -trigamma(a0 + b0));
}
