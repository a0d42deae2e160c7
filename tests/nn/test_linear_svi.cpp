// SPDX-License-Identifier: Apache-2.0
// A Bayesian layer trained with SVI + TraceELBO recovers the closed-form posterior of Bayesian
// linear regression: for a Gaussian posterior, the mean-field optimum has the exact means and
// variances 1 / Lambda_ii (Lambda the posterior precision).
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/nn/linear.h>
#include <pplx/nn/posterior.h>
#include <pplx/optim/pytorch_optimizers.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace nn = pplx::nn;

TEST_CASE("SVI on a BayesianLinear regression finds the closed-form mean-field posterior") {
  torch::manual_seed(0);
  pplx::clear_param_store();
  const int64_t n = 40;
  const double noise = 0.5;
  auto x = torch::randn({n, 1}, torch::kDouble);
  auto y = 2.0 * x.squeeze(1) - 1.0 + noise * torch::randn({n}, torch::kDouble);

  nn::BayesianLinear fc(nn::BayesianLinearOptions(1, 1).prior_scale(1.0));
  fc->to(torch::kDouble);
  auto model = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
    auto f = fc(xs).squeeze(-1);
    pplx::plate data("data", n);
    pplx::sample("y", dist::Normal(f, noise), ys);
  };
  auto guide = [&](const torch::Tensor&, const torch::Tensor&) { nn::sample_posterior("fc", *fc); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)),
                       pplx::infer::TraceELBO(pplx::infer::TraceELBOOptions().num_particles(2)));
  auto avg = torch::zeros({4}, torch::kDouble);
  const int steps = 1500, averaged = 500;
  for (int step = 0; step < steps; ++step) {
    svi.step(x, y);
    if (step >= steps - averaged) {
      torch::NoGradGuard g;
      avg += torch::stack({fc->weight_mu.squeeze(), fc->bias_mu.squeeze(), torch::softplus(fc->weight_rho).squeeze(),
                           torch::softplus(fc->bias_rho).squeeze()});
    }
  }
  avg /= averaged;
  // Exact posterior of (w, b) with prior N(0, I) and design [x, 1].
  auto design = torch::cat({x, torch::ones({n, 1}, torch::kDouble)}, 1);
  auto precision = torch::eye(2, torch::kDouble) + design.t().mm(design) / (noise * noise);
  auto mean = torch::linalg_solve(precision, design.t().mv(y) / (noise * noise));
  for (int i = 0; i < 2; ++i) {
    const double sd = 1 / std::sqrt(precision[i][i].item<double>());
    INFO("coefficient " << i);
    CHECK(std::abs(avg[i].item<double>() - mean[i].item<double>()) < 0.2 * sd);
    CHECK(avg[2 + i].item<double>() == doctest::Approx(sd).epsilon(0.15));
  }
}
