// SPDX-License-Identifier: Apache-2.0
// pplx/nn/prior.h and conjugate.h: every prior's log-density against a direct formula.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/nn/conjugate.h>
#include <pplx/nn/prior.h>

namespace dist = pplx::distributions;
namespace nn = pplx::nn;

namespace {
const double kLog2Pi = std::log(2 * M_PI);
double normal_lp(double x, double m, double s) {
  return -0.5 * kLog2Pi - std::log(s) - (x - m) * (x - m) / (2 * s * s);
}
}  // namespace

TEST_CASE("priors::normal: one event of the parameter's shape, iid Normal log-density") {
  torch::manual_seed(0);
  auto like = torch::zeros({3, 2});
  auto p = nn::priors::normal(0.5, 2.0).for_param("weight", like);
  CHECK(p->event_shape() == torch::IntArrayRef({3, 2}));
  CHECK(p->batch_shape().empty());
  auto w = torch::randn({3, 2});
  double expected = 0;
  for (int64_t i = 0; i < 6; ++i) expected += normal_lp(w.view(-1)[i].item<double>(), 0.5, 2.0);
  CHECK(p->log_prob(w).item<double>() == doctest::Approx(expected).epsilon(1e-6));
  CHECK_THROWS_AS(nn::priors::normal(0.0, -1.0), pplx::ValueError);
}

TEST_CASE("priors::gaussian is PyVarInf's: scale 1/sqrt(fan_in) for weights, 0.01 for biases") {
  torch::manual_seed(1);
  auto prior = nn::priors::gaussian();
  auto w = torch::randn({4, 3, 2, 2}) * 0.1;  // a conv filter: fan_in = 3 * 2 * 2 = 12
  auto pw = prior.for_param("weight", w);
  double expected = 0;
  const double s = 1 / std::sqrt(12.0);
  for (int64_t i = 0; i < w.numel(); ++i) expected += normal_lp(w.view(-1)[i].item<double>(), 0, s);
  CHECK(pw->log_prob(w).item<double>() == doctest::Approx(expected).epsilon(1e-6));
  auto b = torch::randn({4}) * 0.01;
  double expected_b = 0;
  for (int64_t i = 0; i < 4; ++i) expected_b += normal_lp(b[i].item<double>(), 0, 0.01);
  CHECK(prior.for_param("bias", b)->log_prob(b).item<double>() == doctest::Approx(expected_b).epsilon(1e-6));
}

TEST_CASE("priors::mixtgauss / scale_mixture: exact log(pi N1 + (1-pi) N2), no stray constant") {
  auto prior = nn::priors::mixtgauss(/*n_mc_samples=*/3, /*sigma_1=*/1.0, /*sigma_2=*/0.0025, /*pi=*/0.5);
  CHECK(prior.num_mc_samples() == 3);
  auto x = torch::tensor({0.0, 0.001, 0.3, 10.0}, torch::kDouble);
  auto lp = prior.for_param("weight", x)->log_prob(x).item<double>();
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    double v = x[i].item<double>();
    expected += std::log(0.5 * std::exp(normal_lp(v, 0, 1.0)) + 0.5 * std::exp(normal_lp(v, 0, 0.0025)));
  }
  CHECK(lp == doctest::Approx(expected).epsilon(1e-9));
  // At x = 10 both densities are tiny (1e-23 and 0): PyVarInf's log(p + 1e-8) would give about -18.4.
  auto far = torch::tensor({10.0}, torch::kDouble);
  CHECK(prior.for_param("w", far)->log_prob(far).item<double>() ==
        doctest::Approx(std::log(0.5) + normal_lp(10.0, 0, 1.0)).epsilon(1e-12));
  // In float32 the narrow component underflows at x = 1, the logsumexp keeps the wide one.
  auto f = torch::tensor({1.0f});
  CHECK(prior.for_param("w", f)->log_prob(f).item<float>() ==
        doctest::Approx(std::log(0.5) + normal_lp(1.0, 0, 1.0)).epsilon(1e-6));
  // pi = 1 is a single Normal (BLiTZ's default prior_pi).
  auto single = nn::priors::scale_mixture(1.0, 0.1, 0.4);
  CHECK(single.for_param("w", far)->log_prob(far).item<double>() == doctest::Approx(normal_lp(10.0, 0, 0.1)));
  CHECK_THROWS_AS(nn::priors::scale_mixture(1.5, 0.1, 0.4), pplx::ValueError);
}

TEST_CASE("priors::conjugate_known_mean equals the precision integrated out numerically") {
  const double mean = 0.3, a = 2.0, b = 1.5;
  auto x = torch::tensor({0.1, -0.4, 1.2}, torch::kDouble);
  auto lp = nn::priors::conjugate_known_mean(1, mean, a, b).for_param("weight", x)->log_prob(x).item<double>();
  // p(x) = int Gamma(tau; a, rate b) prod_i N(x_i; mean, 1/tau) dtau, trapezoid on a log grid.
  auto log_tau = torch::linspace(std::log(1e-6), std::log(1e4), 200001, torch::kDouble);
  auto tau = log_tau.exp();
  auto log_gamma = a * std::log(b) - std::lgamma(a) + (a - 1) * log_tau - b * tau;
  auto s = (x - mean).pow(2).sum().item<double>();
  auto log_lik = 1.5 * (log_tau - kLog2Pi) - 0.5 * tau * s;
  auto integrand = (log_gamma + log_lik + log_tau).exp();  // d tau = tau d log tau
  double integral = torch::trapezoid(integrand, log_tau).item<double>();
  CHECK(lp == doctest::Approx(std::log(integral)).epsilon(1e-6));
}

TEST_CASE("priors::conjugate equals the normal-gamma hyper-parameters integrated out numerically") {
  const double a = 3.0, b = 2.0, mu0 = 0.5, kappa0 = 2.0;
  auto x = torch::tensor({{0.2, 1.1}}, torch::kDouble);  // a [1, 2] parameter: n = 2
  auto lp = nn::priors::conjugate(1, a, b, mu0, kappa0).for_param("weight", x)->log_prob(x).item<double>();
  // p(x) = int int Gamma(tau; a, b) N(mu; mu0, 1/(kappa0 tau)) prod_i N(x_i; mu, 1/tau) dmu dtau.
  auto log_tau = torch::linspace(std::log(1e-4), std::log(1e3), 1201, torch::kDouble).unsqueeze(1);
  auto mu = torch::linspace(-12, 12, 1601, torch::kDouble).unsqueeze(0);
  auto tau = log_tau.exp();
  auto lg = a * std::log(b) - std::lgamma(a) + (a - 1) * log_tau - b * tau;
  auto lmu = 0.5 * (std::log(kappa0) + log_tau - kLog2Pi) - 0.5 * kappa0 * tau * (mu - mu0).pow(2);
  auto llik = (log_tau - kLog2Pi) - 0.5 * tau * ((0.2 - mu).pow(2) + (1.1 - mu).pow(2));
  auto f = (lg + lmu + llik + log_tau).exp();
  auto inner = torch::trapezoid(f, mu.squeeze(0), 1);
  double integral = torch::trapezoid(inner, log_tau.squeeze(1)).item<double>();
  CHECK(lp == doctest::Approx(std::log(integral)).epsilon(1e-5));
}

TEST_CASE("conjugate priors: draws have the marginal variance of the closed form") {
  torch::manual_seed(2);
  // Known mean: each element is Student-t with 2a degrees of freedom, variance b / (a - 1).
  nn::ConjugateKnownMean km({4}, 1.0, 4.0, 3.0, torch::kDouble);
  auto s = km.sample({40000});
  CHECK(s.sizes() == torch::IntArrayRef({40000, 4}));
  CHECK(s.mean().item<double>() == doctest::Approx(1.0).epsilon(0.02));
  CHECK(s.var().item<double>() == doctest::Approx(1.0).epsilon(0.05));
  CHECK(km.variance()[0].item<double>() == doctest::Approx(1.0));
  // Normal-gamma: variance b / (a - 1) * (1 + 1 / kappa0).
  nn::ConjugateNormalGamma ng({3}, 5.0, 4.0, -1.0, 1.0, torch::kDouble);
  auto t = ng.sample({40000});
  CHECK(t.mean().item<double>() == doctest::Approx(-1.0).epsilon(0.03));
  CHECK(t.var().item<double>() == doctest::Approx(2.0).epsilon(0.06));
  CHECK_THROWS_AS(nn::ConjugateNormalGamma({3}, -1.0, 1.0, 0.0, 1.0), pplx::ValueError);
}

TEST_CASE("conjugate priors: a small alpha reaches the far tail (the precision is drawn in log space)") {
  // Each element is Student-t with df = 2a and scale sqrt(b / a) (known mean 0) or
  // sqrt(b (1 + 1 / kappa0) / a) (normal-gamma, mu0 = 0), so P(|x| > t) = I_z(a, 1/2) with
  // z = df / (df + (t / scale)^2); at t = 1e20, z ~ 1e-40 and the series' first term
  // z^a (1 - z)^(1/2) / (a B(a, 1/2)) is exact to double precision. A precision draw capped at
  // float32's smallest normal capped |x| near 4e19 |N(0, 1)|.
  torch::manual_seed(3);
  const double a = 0.05, b = 1.0, t = 1e20, kappa0 = 1.0;
  const int64_t n = 200000;
  for (int which = 0; which < 2; ++which) {
    CAPTURE(which);
    const double df = 2 * a, u = t / std::sqrt(b * (which == 0 ? 1.0 : 1.0 + 1.0 / kappa0) / a);
    const double z = df / (df + u * u);
    const double log_beta = std::lgamma(a) + std::lgamma(0.5) - std::lgamma(a + 0.5);
    const double p = std::exp(a * std::log(z) + 0.5 * std::log1p(-z) - std::log(a) - log_beta);
    auto s = which == 0 ? nn::ConjugateKnownMean({1}, 0.0, a, b, torch::kFloat).sample({n})
                        : nn::ConjugateNormalGamma({1}, a, b, 0.0, kappa0, torch::kFloat).sample({n});
    REQUIRE((s.scalar_type() == torch::kFloat));
    const double beyond = (s.abs() > t).sum().item<double>();
    INFO("draws beyond 1e20: " << beyond << " of " << n << ", expected " << n * p);
    CHECK(std::abs(beyond - n * p) <= 5 * std::sqrt(n * p * (1 - p)));
    CHECK_FALSE(torch::isnan(s).any().item<bool>());
  }
}

TEST_CASE("Prior: a distribution of the wrong shape is rejected with both shapes in the message") {
  pplx::Prior p(dist::Normal(torch::zeros({5}), torch::ones({5})).clone());
  CHECK(p.for_param("weight", torch::zeros({5}))->event_shape() == torch::IntArrayRef({5}));
  CHECK_THROWS_WITH_AS(p.for_param("weight", torch::zeros({2, 3})), doctest::Contains("[2, 3]"), pplx::ShapeError);
}
