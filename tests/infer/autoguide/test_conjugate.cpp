// SPDX-License-Identifier: Apache-2.0
// Autoguides against exact posteriors: conjugate models (Normal-Normal, Beta-Bernoulli,
// Poisson-Gamma) and a linear regression with strongly correlated features.
//
// Pyro itself could not be run here (no Python packages can be installed), so these tests compare
// with the exact (analytic) posteriors instead of with numbers from Pyro: the median and the
// +-1 sigma quantiles (probabilities 0.1587 and 0.8413) of AutoNormal and AutoDiagonalNormal, the
// mode for AutoDelta. Tolerances cover the family's approximation error (a logit- or log-normal
// against a Beta or Gamma posterior, under 0.2 % of the posterior sd here) and the SVI noise
// left after a short, decaying-learning-rate fit.
#include <cmath>
#include <functional>
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ag = pplx::infer::autoguide;
namespace infer = pplx::infer;

// Named so that unity builds keep this file's helpers apart from other test files'.
namespace autoguide_conjugate_test {
namespace {

const double kLo = 0.15865525393145707, kHi = 0.8413447460685429;  // Phi(-1), Phi(+1)
torch::Tensor scalar(double v) { return torch::full({}, v, torch::kDouble); }

// Quantile of a density known on a grid, by the cumulative trapezoid rule (float64).
double grid_quantile(const torch::Tensor& grid, const torch::Tensor& density, double q) {
  auto mid = (density.narrow(0, 1, density.size(0) - 1) + density.narrow(0, 0, density.size(0) - 1)) / 2;
  auto cdf = torch::cat({torch::zeros({1}, torch::kDouble), torch::cumsum(mid * grid.diff(), 0)});
  cdf = cdf / cdf[-1];
  auto i = torch::searchsorted(cdf, scalar(q)).item<int64_t>();
  double c0 = cdf[i - 1].item<double>(), c1 = cdf[i].item<double>();
  double g0 = grid[i - 1].item<double>(), g1 = grid[i].item<double>();
  return g0 + (q - c0) / (c1 - c0) * (g1 - g0);
}

struct Exact {
  double median, lo, hi, mode;
};

Exact beta_posterior(double a, double b) {
  auto p = torch::linspace(1e-9, 1 - 1e-9, 400001, torch::kDouble);
  auto density = torch::exp((a - 1) * torch::log(p) + (b - 1) * torch::log1p(-p) - std::lgamma(a) - std::lgamma(b) +
                            std::lgamma(a + b));
  return {grid_quantile(p, density, 0.5), grid_quantile(p, density, kLo), grid_quantile(p, density, kHi),
          (a - 1) / (a + b - 2)};
}

Exact gamma_posterior(double a, double rate) {
  auto x = torch::linspace(1e-9, a / rate * 6, 400001, torch::kDouble);
  auto density = torch::exp((a - 1) * torch::log(x) - rate * x);
  return {grid_quantile(x, density, 0.5), grid_quantile(x, density, kLo), grid_quantile(x, density, kHi),
          (a - 1) / rate};
}

// Fits `guide` to `model` with 8 vectorized particles and a learning rate decaying 0.05 -> 0.001.
template <class Model, class Guide, class... Args>
void fit(Model model, Guide guide, int steps, Args... args) {
  pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
  pplx::optim::ExponentialLR decay(adam, std::pow(0.02, 1.0 / steps));
  infer::SVI svi(model, guide, adam,
                 infer::TraceELBO(infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
  for (int i = 0; i < steps; ++i) {
    svi.step(args...);
    decay.step();
  }
}

// Checks a guide's median and +-1 sigma quantiles of `site` against the exact posterior.
template <class Guide, class... Args>
void check_quantiles(const char* what, Guide& guide, const std::string& site, const Exact& exact, double tol,
                     Args... args) {
  double med = guide.median(args...).at(site).template item<double>();
  auto q = guide.quantiles({kLo, kHi}, args...).at(site);
  double lo = q[0].template item<double>(), hi = q[1].template item<double>();
  MESSAGE(std::string(what) << ": median " << med << " (exact " << exact.median << "), -1 sd " << lo << " (" << exact.lo
                            << "), +1 sd " << hi << " (" << exact.hi << ")");
  CHECK(std::abs(med - exact.median) < tol);
  CHECK(std::abs(lo - exact.lo) < tol);
  CHECK(std::abs(hi - exact.hi) < tol);
}

}  // namespace

TEST_CASE("Normal-Normal: AutoNormal and AutoDiagonalNormal give the exact posterior, AutoDelta its mode") {
  // z ~ N(0.5, 2); x_i ~ N(z, 1.5), 10 points. Posterior N(m, s) exactly: Gaussian in the guides' family.
  const double mu0 = 0.5, s0 = 2.0, sigma = 1.5;
  auto x = torch::tensor({1.2, 0.3, 2.5, 1.9, 0.8, 1.1, 3.0, 1.4, 0.2, 1.7}, torch::kDouble);
  const double precision = 1 / (s0 * s0) + 10 / (sigma * sigma);
  const double m = (mu0 / (s0 * s0) + x.sum().item<double>() / (sigma * sigma)) / precision;
  const double s = 1 / std::sqrt(precision);
  const Exact exact{m, m - s, m + s, m};
  auto model = [=](const torch::Tensor& data) {
    auto z = pplx::sample("z", dist::Normal(scalar(mu0), s0));
    pplx::plate p("data", data.size(0));
    pplx::sample("x", dist::Normal(z, sigma), data);
  };
  const double tol = 0.05 * s;  // 5 % of the posterior sd
  {
    pplx::clear_param_store();
    torch::manual_seed(20);
    auto guide = ag::AutoNormal(model);
    fit(model, guide, 2000, x);
    check_quantiles("Normal-Normal AutoNormal", guide, "z", exact, tol, x);
  }
  {
    pplx::clear_param_store();
    torch::manual_seed(21);
    auto guide = ag::AutoDiagonalNormal(model);
    fit(model, guide, 2000, x);
    check_quantiles("Normal-Normal AutoDiagonalNormal", guide, "z", exact, tol, x);
  }
  {
    pplx::clear_param_store();
    auto guide = ag::AutoDelta(model);
    infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
    for (int i = 0; i < 500; ++i) svi.step(x);
    CHECK(guide.median().at("z").item<double>() == doctest::Approx(m).epsilon(1e-3));
  }
}

TEST_CASE("Beta-Bernoulli: AutoNormal and AutoDiagonalNormal quantiles match the Beta posterior, AutoDelta its mode") {
  // p ~ Beta(2, 2); 100 coin flips with 60 heads: posterior Beta(62, 42).
  auto flips = torch::cat({torch::ones({60}, torch::kDouble), torch::zeros({40}, torch::kDouble)});
  auto model = [](const torch::Tensor& data) {
    auto p = pplx::sample("p", dist::Beta(scalar(2.0), scalar(2.0)));
    pplx::plate flips("flips", data.size(0));
    pplx::sample("x", dist::Bernoulli::with_probs(p), data);
  };
  const Exact exact = beta_posterior(62, 42);
  const double tol = 0.004;  // about 8 % of the posterior sd (0.048)
  {
    pplx::clear_param_store();
    torch::manual_seed(22);
    auto guide = ag::AutoNormal(model);
    fit(model, guide, 2000, flips);
    check_quantiles("Beta-Bernoulli AutoNormal", guide, "p", exact, tol, flips);
  }
  {
    pplx::clear_param_store();
    torch::manual_seed(23);
    auto guide = ag::AutoDiagonalNormal(model);
    fit(model, guide, 2000, flips);
    check_quantiles("Beta-Bernoulli AutoDiagonalNormal", guide, "p", exact, tol, flips);
  }
  {
    // MAP in the constrained space: the Beta posterior's mode (a - 1) / (a + b - 2).
    pplx::clear_param_store();
    auto guide = ag::AutoDelta(model);
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.05, 1.0 / 800));
    infer::SVI svi(model, guide, adam, infer::TraceELBO());
    for (int i = 0; i < 800; ++i) {
      svi.step(flips);
      decay.step();
    }
    CHECK(guide.median().at("p").item<double>() == doctest::Approx(exact.mode).epsilon(1e-3));
  }
}

TEST_CASE("Poisson-Gamma: AutoNormal and AutoDiagonalNormal quantiles match the Gamma posterior, AutoDelta its mode") {
  // rate ~ Gamma(2, 1); 20 counts summing to 60: posterior Gamma(62, 21).
  auto counts =
      torch::tensor({3., 2., 4., 1., 5., 3., 2., 3., 4., 2., 3., 3., 5., 1., 2., 4., 3., 4., 4., 2.}, torch::kDouble);
  REQUIRE(counts.sum().item<double>() == 60);
  auto model = [](const torch::Tensor& data) {
    auto rate = pplx::sample("rate", dist::Gamma(scalar(2.0), scalar(1.0)));
    pplx::plate obs("obs", data.size(0));
    pplx::sample("x", dist::Poisson(rate), data);
  };
  const Exact exact = gamma_posterior(62, 21);
  const double tol = 0.03;  // 8 % of the posterior sd (0.375)
  {
    pplx::clear_param_store();
    torch::manual_seed(24);
    auto guide = ag::AutoNormal(model);
    fit(model, guide, 2000, counts);
    check_quantiles("Poisson-Gamma AutoNormal", guide, "rate", exact, tol, counts);
  }
  {
    pplx::clear_param_store();
    torch::manual_seed(25);
    auto guide = ag::AutoDiagonalNormal(model);
    fit(model, guide, 2000, counts);
    check_quantiles("Poisson-Gamma AutoDiagonalNormal", guide, "rate", exact, tol, counts);
  }
  {
    pplx::clear_param_store();
    auto guide = ag::AutoDelta(model);
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.05, 1.0 / 800));
    infer::SVI svi(model, guide, adam, infer::TraceELBO());
    for (int i = 0; i < 800; ++i) {
      svi.step(counts);
      decay.step();
    }
    CHECK(guide.median().at("rate").item<double>() == doctest::Approx(exact.mode).epsilon(1e-3));
  }
}

}  // namespace autoguide_conjugate_test
