// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("StudentT: sample moments match loc and scale^2 df/(df-2)") {
  torch::manual_seed(1);
  // df > 8 keeps the sample variance's own error estimate well behaved.
  auto df = torch::tensor({12.0, 20.0}, torch::kDouble);
  dist::StudentT d(df, torch::tensor({1.0, -1.0}, torch::kDouble), torch::tensor({2.0, 0.5}, torch::kDouble));
  check_moments(d, torch::tensor({1.0, -1.0}, torch::kDouble),
                torch::tensor({4.0 * 12 / 10, 0.25 * 20 / 18}, torch::kDouble));
}

TEST_CASE("StudentT: log_prob is the closed form, mean/variance undefined for small df") {
  dist::StudentT d(torch::tensor(3.0, torch::kDouble), 1.0, 2.0);
  const double nu = 3.0, z = (0.5 - 1.0) / 2.0;
  const double expected = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI) - std::log(2.0) -
                          (nu + 1) / 2 * std::log1p(z * z / nu);
  CHECK(d.log_prob(torch::tensor(0.5, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  dist::StudentT heavy(torch::tensor({0.5, 1.5}, torch::kDouble));
  CHECK(std::isnan(heavy.mean()[0].item<double>()));
  CHECK(heavy.mean()[1].item<double>() == 0.0);
  CHECK(std::isinf(heavy.variance()[1].item<double>()));
}

TEST_CASE("StudentT: rsample gradients of E[x^2] = loc^2 + scale^2 df/(df-2)") {
  torch::manual_seed(2);
  auto df = torch::full({kDraws}, 12.0, torch::kDouble).requires_grad_();
  auto loc = torch::full({kDraws}, 1.0, torch::kDouble).requires_grad_();
  auto scale = torch::full({kDraws}, 2.0, torch::kDouble).requires_grad_();
  dist::StudentT(df, loc, scale).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dloc", loc.grad(), 2.0);
  check_gradient_mean("d/dscale", scale.grad(), 2 * 2.0 * 12 / 10);
  check_gradient_mean("d/ddf", df.grad(), 4.0 * -2.0 / 100);
}

TEST_CASE("StudentT: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::StudentT(0.0); }, {"StudentT", "parameter 'df'"});
  check_throws_with<pplx::ValueError>([] { dist::StudentT(3.0, 0.0, -1.0); }, {"StudentT", "parameter 'scale'"});
}

TEST_CASE("StudentT: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::StudentT(torch::full({3}, 4.0)));
}

TEST_CASE("StudentT: small df is sampled in log space (float32 StudentT(0.1) reaches its far tail)") {
  // P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2); for t = 1e20, x = 1e-41 and the series'
  // first term is exact to double precision: x^a (1 - x)^(1/2) / (a B(a, 1/2)), a = df / 2.
  // A gamma draw capped at float32's smallest normal capped |T| near 2e18 |X|.
  torch::manual_seed(4);
  const int64_t n = 200000;
  const double df = 0.1, a = df / 2, t = 1e20;
  const double x = df / (df + t * t);
  const double log_beta = std::lgamma(a) + std::lgamma(0.5) - std::lgamma(a + 0.5);
  const double p = std::exp(a * std::log(x) + 0.5 * std::log1p(-x) - std::log(a) - log_beta);
  auto draws = dist::StudentT(torch::full({}, df)).sample({n});
  REQUIRE((draws.scalar_type() == torch::kFloat));
  const double beyond = (draws.abs() > t).sum().item<double>();
  INFO("draws beyond 1e20: " << beyond << " of " << n << ", expected " << n * p);
  CHECK(std::abs(beyond - n * p) <= kSigmas * std::sqrt(n * p * (1 - p)));
  CHECK_FALSE(torch::isnan(draws).any().item<bool>());
}

TEST_CASE("StudentT: rsample gradient in df stays unbiased where df / 2 is below 1") {
  // E|T|^q = df^(q/2) Gamma((q+1)/2) Gamma((df-q)/2) / (sqrt(pi) Gamma(df/2)) for q < df.
  torch::manual_seed(5);
  const double df0 = 1.5, q = 0.25;
  auto digamma = [](double v) { return torch::digamma(torch::tensor(v, torch::kDouble)).item<double>(); };
  const double moment = std::exp(0.5 * q * std::log(df0) + std::lgamma((q + 1) / 2) + std::lgamma((df0 - q) / 2) -
                                 0.5 * std::log(M_PI) - std::lgamma(df0 / 2));
  const double expected = moment * (q / (2 * df0) + 0.5 * digamma((df0 - q) / 2) - 0.5 * digamma(df0 / 2));
  auto df = torch::full({kDraws}, df0, torch::kDouble).requires_grad_();
  dist::StudentT(df).rsample().abs().pow(q).sum().backward();
  check_gradient_mean("dE|T|^q/ddf", df.grad(), expected);
}
