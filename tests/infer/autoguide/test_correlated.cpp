// SPDX-License-Identifier: Apache-2.0
// Autoguides on a Bayesian linear regression with strongly correlated features, whose exact
// posterior is Gaussian: the multivariate guides recover its correlation, the mean-field guides
// cannot (they find the exact means and the variances 1 / diag(precision), far below the exact
// marginal variances), and the Laplace approximation is exact. Pyro could not be run here; the
// targets are analytic.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ag = pplx::infer::autoguide;
namespace infer = pplx::infer;

// Named so that unity builds keep this file's helpers apart from other test files'.
namespace autoguide_correlated_test {
namespace {

constexpr int64_t kN = 50, kD = 3;
constexpr double kSigma = 0.5;

// w ~ N(0, I_3); y ~ N(X w, 0.5). Written to broadcast over vectorized particles: w [P, 1, 3]
// gives means [P, N] (the particle dim left of the data plate's).
void regression(const torch::Tensor& X, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({kD}, torch::kDouble), 1.0).to_event(1));
  pplx::plate data("data", X.size(0));
  pplx::sample("y", dist::Normal((X * w).sum(-1), kSigma), y);
}

struct Problem {
  torch::Tensor X, y, mean, cov, precision;
  Problem() {
    torch::manual_seed(30);
    auto x1 = torch::randn({kN}, torch::kDouble);
    auto x2 = x1 + 0.3 * torch::randn({kN}, torch::kDouble);  // corr(x1, x2) about 0.96
    auto x3 = torch::randn({kN}, torch::kDouble);
    X = torch::stack({x1, x2, x3}, 1);
    y = X.matmul(torch::tensor({1.0, 0.5, -1.0}, torch::kDouble)) + kSigma * torch::randn({kN}, torch::kDouble);
    precision = torch::eye(kD, torch::kDouble) + X.t().matmul(X) / (kSigma * kSigma);
    cov = torch::inverse(precision);
    mean = cov.matmul(X.t().matmul(y)) / (kSigma * kSigma);
  }
  double corr(const torch::Tensor& c) const { return (c[0][1] / (c[0][0] * c[1][1]).sqrt()).item<double>(); }
};

// SVI with 8 vectorized particles, the learning rate decaying from `lr` to lr / 50.
template <class Guide>
void fit(Guide guide, const Problem& p, int steps, double lr = 0.05) {
  pplx::optim::Adam adam{torch::optim::AdamOptions(lr)};
  pplx::optim::ExponentialLR decay(adam, std::pow(0.02, 1.0 / steps));
  infer::SVI svi(regression, guide, adam,
                 infer::TraceELBO(infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
  for (int i = 0; i < steps; ++i) {
    svi.step(p.X, p.y);
    decay.step();
  }
}

}  // namespace

TEST_CASE("Correlated regression: AutoMultivariateNormal recovers the posterior correlation") {
  Problem p;
  const double exact_corr = p.corr(p.cov);
  REQUIRE(exact_corr < -0.9);
  auto exact_sd = p.cov.diagonal().sqrt();
  {
    pplx::clear_param_store();
    torch::manual_seed(31);
    auto guide = ag::AutoMultivariateNormal(regression);
    fit(guide, p, 3000, 0.1);
    auto L = guide.scale_tril();
    auto cov = L.matmul(L.t());
    MESSAGE("AutoMultivariateNormal: corr(w1, w2) " << p.corr(cov) << " (exact " << exact_corr << "), sd "
                                                    << cov.diagonal().sqrt() << " (exact " << exact_sd << ")");
    CHECK(p.corr(cov) == doctest::Approx(exact_corr).epsilon(0.03));
    CHECK(torch::allclose(cov.diagonal().sqrt(), exact_sd, 0.1, 0));
    CHECK(torch::allclose(guide.median().at("w"), p.mean, 0, 0.1 * exact_sd.min().item<double>() + 0.02));
  }
}

TEST_CASE("Correlated regression: AutoLowRankMultivariateNormal (rank 2) recovers the posterior correlation") {
  Problem p;
  const double exact_corr = p.corr(p.cov);
  auto exact_sd = p.cov.diagonal().sqrt();
  {
    pplx::clear_param_store();
    torch::manual_seed(32);
    auto guide = ag::AutoLowRankMultivariateNormal(regression, ag::AutoLowRankMultivariateNormalOptions().rank(2));
    fit(guide, p, 3000, 0.1);
    auto& store = pplx::get_param_store();
    auto scale = store.get("AutoLowRankMultivariateNormal.scale").detach();
    auto factor = store.get("AutoLowRankMultivariateNormal.cov_factor").detach() * scale.unsqueeze(-1);
    auto cov = factor.matmul(factor.t()) + torch::diag(scale * scale);
    MESSAGE("AutoLowRankMultivariateNormal: corr(w1, w2) " << p.corr(cov) << " (exact " << exact_corr << "), sd "
                                                           << cov.diagonal().sqrt() << " (exact " << exact_sd << ")");
    CHECK(p.corr(cov) == doctest::Approx(exact_corr).epsilon(0.03));
    CHECK(torch::allclose(cov.diagonal().sqrt(), exact_sd, 0.1, 0));
    // Its quantiles use the marginal sd: +-1 sd around the mean.
    auto q = guide.quantiles({0.15865525393145707, 0.8413447460685429}).at("w");
    CHECK(torch::allclose((q[1] - q[0]) / 2, cov.diagonal().sqrt(), 1e-6, 0));
  }
}

TEST_CASE("Correlated regression: mean-field AutoNormal and AutoDiagonalNormal miss the correlation") {
  Problem p;
  auto exact_sd = p.cov.diagonal().sqrt();
  // The best mean-field Gaussian: exact means, sd 1 / sqrt(diag(precision)).
  auto mean_field_sd = p.precision.diagonal().rsqrt();
  REQUIRE((mean_field_sd[0] / exact_sd[0]).item<double>() < 0.4);
  const double lo = 0.15865525393145707, hi = 0.8413447460685429;
  {
    pplx::clear_param_store();
    torch::manual_seed(33);
    auto guide = ag::AutoNormal(regression);
    fit(guide, p, 1500);
    auto q = guide.quantiles({lo, hi}).at("w");
    auto sd = (q[1] - q[0]) / 2;
    MESSAGE("AutoNormal: sd " << sd << " (mean-field optimum " << mean_field_sd << ", exact " << exact_sd << ")");
    CHECK(torch::allclose(sd, mean_field_sd, 0.1, 0));
    // w1 and w2 far too confident; w3, nearly uncorrelated with them, about right.
    CHECK((sd / exact_sd)[0].item<double>() < 0.5);
    CHECK((sd / exact_sd)[1].item<double>() < 0.5);
    CHECK(torch::allclose(guide.median().at("w"), p.mean, 0, 0.03));
    // Draws from the guide are uncorrelated.
    auto draws = infer::Predictive(regression, guide, 400, {"w"})(p.X, torch::Tensor()).at("w");
    auto c = torch::cov(draws.t());
    CHECK(std::abs(p.corr(c)) < 0.2);
  }
  {
    pplx::clear_param_store();
    torch::manual_seed(34);
    auto guide = ag::AutoDiagonalNormal(regression);
    fit(guide, p, 1500);
    auto sd = pplx::get_param_store().get("AutoDiagonalNormal.scale").detach();
    CHECK(torch::allclose(sd, mean_field_sd, 0.1, 0));
    CHECK(torch::allclose(guide.median().at("w"), p.mean, 0, 0.03));
  }
}

TEST_CASE("AutoLaplaceApproximation: MAP by SVI, then the exact Gaussian posterior from the Hessian") {
  Problem p;
  pplx::clear_param_store();
  auto guide = ag::AutoLaplaceApproximation(regression);
  // The point mass makes the loss deterministic; Adam still needs steps along the narrow valley of
  // the correlated weights.
  pplx::optim::Adam adam(torch::optim::AdamOptions(0.02));
  pplx::optim::ExponentialLR decay(adam, std::pow(0.1, 1.0 / 3000));
  infer::SVI svi(regression, guide, adam, infer::TraceELBO());
  for (int i = 0; i < 3000; ++i) {
    svi.step(p.X, p.y);
    decay.step();
  }
  // The log posterior is quadratic: its MAP is the mean and the inverse Hessian is the covariance.
  MESSAGE("AutoLaplaceApproximation: MAP " << guide.median().at("w") << " exact " << p.mean);
  CHECK(torch::allclose(guide.median().at("w"), p.mean, 0, 0.02 * p.cov.diagonal().sqrt().min().item<double>()));
  CHECK_THROWS_AS(guide.quantiles({0.5}), pplx::NotImplementedError);
  auto gaussian = guide.laplace_approximation(p.X, p.y);
  auto L = gaussian.scale_tril();
  CHECK(torch::allclose(L.matmul(L.t()), p.cov, 1e-6, 1e-9));
  CHECK(torch::allclose(gaussian.median().at("w"), guide.median().at("w")));
  // Its parameters are fixed tensors, not new entries of the store.
  CHECK(!pplx::get_param_store().contains("AutoMultivariateNormal.loc"));
  auto q = gaussian.quantiles({0.15865525393145707, 0.8413447460685429}).at("w");
  CHECK(torch::allclose((q[1] - q[0]) / 2, p.cov.diagonal().sqrt(), 1e-5, 0));
  // It is a guide: traced, it samples w from the Laplace posterior.
  auto tr = pplx::handlers::trace(gaussian).get_trace(p.X, p.y);
  CHECK(tr.at("w").value.sizes() == torch::IntArrayRef{kD});
}

}  // namespace autoguide_correlated_test
