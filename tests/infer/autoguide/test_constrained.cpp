// SPDX-License-Identifier: Apache-2.0
// Autoguides on constrained latents: a simplex (Dirichlet-Categorical, exact posterior known), an
// interval (Uniform), and AutoNormal under TraceMeanFieldELBO. Pyro could not be run here; the
// targets are analytic.
#include <cmath>
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ag = pplx::infer::autoguide;
namespace h = pplx::handlers;
namespace infer = pplx::infer;

// Named so that unity builds keep this file's helpers apart from other test files'.
namespace autoguide_constrained_test {
namespace {

// theta ~ Dirichlet(1, 1, 1); 60 categorical draws with counts (30, 20, 10): posterior
// Dirichlet(31, 21, 11), mean (0.492, 0.333, 0.175), mode (0.5, 0.333, 0.167).
void dirichlet_model(const torch::Tensor& draws) {
  auto theta = pplx::sample("theta", dist::Dirichlet(torch::ones({3}, torch::kDouble)));
  pplx::plate data("data", draws.size(0));
  pplx::sample("x", dist::Categorical::with_probs(theta), draws);
}

torch::Tensor draws() {
  return torch::cat(
      {torch::zeros({30}, torch::kLong), torch::ones({20}, torch::kLong), torch::full({10}, 2, torch::kLong)});
}

}  // namespace

TEST_CASE("Simplex latent: AutoNormal (stick-breaking) fits the Dirichlet posterior, AutoDelta finds its mode") {
  auto x = draws();
  auto mean = torch::tensor({31.0, 21.0, 11.0}, torch::kDouble) / 63;
  auto mode = torch::tensor({30.0, 20.0, 10.0}, torch::kDouble) / 60;
  {
    pplx::clear_param_store();
    torch::manual_seed(40);
    auto guide = ag::AutoNormal(dirichlet_model);
    auto tr = h::trace(guide).get_trace(x);
    CHECK(pplx::get_param_store().get("AutoNormal.locs.theta").sizes() == torch::IntArrayRef{2});  // K - 1
    CHECK(tr.at("theta").value.sum().item<double>() == doctest::Approx(1.0));
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.02, 1.0 / 1500));
    infer::SVI svi(dirichlet_model, guide, adam,
                   infer::TraceELBO(infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
    for (int i = 0; i < 1500; ++i) {
      svi.step(x);
      decay.step();
    }
    auto med = guide.median().at("theta");
    MESSAGE("Dirichlet AutoNormal median " << med << " posterior mean " << mean);
    CHECK(med.sum().item<double>() == doctest::Approx(1.0));
    // The median of a logistic-normal lies between the Dirichlet's mode and mean.
    CHECK(torch::allclose(med, mean, 0, 0.02));
    auto q = guide.quantiles({0.05, 0.95}).at("theta");
    CHECK(q.sizes() == torch::IntArrayRef{2, 3});
    CHECK(torch::allclose(q.sum(-1), torch::ones({2}, torch::kDouble)));
    CHECK(q.min().item<double>() > 0);
    // Posterior draws through Predictive stay on the simplex.
    auto theta = infer::Predictive(dirichlet_model, guide, 50, {"theta"})(x).at("theta");
    CHECK(torch::allclose(theta.sum(-1), torch::ones({50}, torch::kDouble)));
    CHECK(torch::allclose(theta.mean(0), mean, 0, 0.03));
  }
  {
    pplx::clear_param_store();
    auto guide = ag::AutoDelta(dirichlet_model);
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.05, 1.0 / 800));
    infer::SVI svi(dirichlet_model, guide, adam, infer::TraceELBO());
    for (int i = 0; i < 800; ++i) {
      svi.step(x);
      decay.step();
    }
    CHECK(pplx::get_param_store().constraint("AutoDelta.theta")->name() == "simplex");
    CHECK(torch::allclose(guide.median().at("theta"), mode, 0, 2e-3));
  }
}

TEST_CASE("Interval latent: AutoNormal and AutoDiagonalNormal keep a Uniform(2, 4) latent inside its support") {
  // u ~ Uniform(2, 4); x ~ N(u, 0.3) with x = 3.9: the posterior piles up against the upper bound.
  auto model = [](const torch::Tensor& x) {
    auto u =
        pplx::sample("u", dist::Uniform(torch::full({}, 2.0, torch::kDouble), torch::full({}, 4.0, torch::kDouble)));
    pplx::sample("x", dist::Normal(u, 0.3), x);
  };
  auto x = torch::full({}, 3.9, torch::kDouble);
  // Exact posterior median: a Normal(3.9, 0.3) truncated to [2, 4].
  auto grid = torch::linspace(2, 4, 200001, torch::kDouble);
  auto density = torch::exp(-0.5 * ((grid - 3.9) / 0.3).pow(2));
  auto cdf = torch::cumsum(density, 0) / density.sum();
  double exact_median = grid[torch::searchsorted(cdf, torch::full({}, 0.5, torch::kDouble))].item<double>();
  for (int which = 0; which < 2; ++which) {
    pplx::clear_param_store();
    torch::manual_seed(41 + which);
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.02, 1.0 / 1500));
    auto run = [&](auto guide) {
      infer::SVI svi(model, guide, adam,
                     infer::TraceELBO(infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
      for (int i = 0; i < 1500; ++i) {
        svi.step(x);
        decay.step();
      }
      double med = guide.median().at("u").template item<double>();
      auto q = guide.quantiles({0.01, 0.99}).at("u");
      MESSAGE(std::string(which ? "AutoDiagonalNormal" : "AutoNormal")
              << " median " << med << " (exact " << exact_median << ")");
      CHECK(q[0].template item<double>() > 2.0);
      CHECK(q[1].template item<double>() < 4.0);
      CHECK(med == doctest::Approx(exact_median).epsilon(0.02));
    };
    if (which == 0) run(ag::AutoNormal(model));
    else run(ag::AutoDiagonalNormal(model));
  }
}

TEST_CASE("AutoNormal under TraceMeanFieldELBO: analytic KL for real sites, Monte Carlo for constrained ones") {
  // z ~ N(0, 1), s ~ LogNormal(0, 0.5); x_i ~ N(z, s). The Normal-Normal pair has a closed-form KL.
  pplx::clear_param_store();
  torch::manual_seed(43);
  auto model = [](const torch::Tensor& x) {
    auto z = pplx::sample("z", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
    auto s = pplx::sample("s", dist::LogNormal(torch::zeros({}, torch::kDouble), 0.5));
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(z, s), x);
  };
  auto x = torch::tensor({1.1, 0.7, 1.4, 0.9, 1.2, 0.8}, torch::kDouble);
  auto guide = ag::AutoNormal(model);
  infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceMeanFieldELBO());
  double first = 0, last = 0;
  for (int i = 0; i < 600; ++i) {
    double loss = svi.step(x);
    if (i < 50) first += loss / 50;
    if (i >= 550) last += loss / 50;
  }
  CHECK(std::isfinite(last));
  CHECK(last < first);
  CHECK(guide.median().at("z").item<double>() == doctest::Approx(x.mean().item<double>()).epsilon(0.15));
}

}  // namespace autoguide_constrained_test
