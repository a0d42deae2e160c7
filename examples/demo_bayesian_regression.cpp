// SPDX-License-Identifier: Apache-2.0
// The flagship demo: Bayesian linear regression on the Boston housing data (from Debian's
// python3-sklearn), fitted with SVI. The noise scale is inferred too. Prints a falling loss, the
// posterior of each weight next to the least-squares solution, and the test RMSE and coverage of
// the posterior predictive intervals.
#include <cmath>
#include <iomanip>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <common/datasets.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ex = pplx::examples;

int main(int argc, char** argv) {
  auto args = ex::parse_args(argc, argv, "Bayesian linear regression on Boston housing with SVI");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(400, 3000, 6000);

  // Data: standardised features and target, 25 % held out, moved once to the device.
  const auto device = args.device;
  const auto opts = torch::TensorOptions().device(device);
  auto data = ex::load_boston_housing();
  auto split = ex::train_test_split(data.features.size(0), 0.25, args.seed);
  auto xs = ex::Standardizer::fit(data.features.index_select(0, split.train));
  auto ys = ex::Standardizer::fit(data.target.index_select(0, split.train));
  auto x_train = xs.transform(data.features.index_select(0, split.train)).to(device);
  auto y_train = ys.transform(data.target.index_select(0, split.train)).to(device);
  auto x_test = xs.transform(data.features.index_select(0, split.test)).to(device);
  auto y_test = ys.transform(data.target.index_select(0, split.test)).to(device);
  const int64_t d = x_train.size(1);
  std::cout << "Boston housing: " << x_train.size(0) << " train, " << x_test.size(0) << " test rows, " << d
            << " features\n";

  // y_i ~ N(x_i w + b, sigma), w ~ N(0, I), b ~ N(0, 1), sigma ~ LogNormal(0, 1). Every tensor the
  // model and guide create lives on the device (a distribution of plain numbers would be on the CPU).
  auto model = [d, opts](const torch::Tensor& x, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({d}, opts), 1.0).to_event(1));
    auto b = pplx::sample("b", dist::Normal(torch::zeros({}, opts), 1.0));
    auto sigma = pplx::sample("sigma", dist::LogNormal(torch::zeros({}, opts), 1.0));
    pplx::plate rows("data", x.size(0), pplx::PlateOptions().device(opts.device()));
    return pplx::sample("y", dist::Normal(x.matmul(w) + b, sigma), y);
  };
  // Mean-field guide: Normal for w and b, LogNormal for sigma.
  auto guide = [d, opts](const torch::Tensor&, const torch::Tensor&) {
    auto w_loc = pplx::param("w_loc", torch::zeros({d}, opts));
    auto w_scale = pplx::param("w_scale", torch::full({d}, 0.1, opts), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto b_loc = pplx::param("b_loc", torch::zeros({}, opts));
    auto b_scale = pplx::param("b_scale", torch::full({}, 0.1, opts), pplx::constraints::positive);
    pplx::sample("b", dist::Normal(b_loc, b_scale));
    auto s_loc = pplx::param("sigma_loc", torch::full({}, -1.0, opts));
    auto s_scale = pplx::param("sigma_scale", torch::full({}, 0.1, opts), pplx::constraints::positive);
    pplx::sample("sigma", dist::LogNormal(s_loc, s_scale));
  };

  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)), pplx::infer::TraceELBO());
  double first = 0, last = 0, window = 0;
  const int64_t report = std::max<int64_t>(1, steps / 10);
  for (int64_t step = 0; step < steps; ++step) {
    const double loss = svi.step(x_train, y_train) / x_train.size(0);
    window += loss;
    if ((step + 1) % report == 0) {
      const double avg = window / report;
      if (first == 0) first = avg;
      last = avg;
      std::cout << "step " << std::setw(5) << step + 1 << "  loss/row " << std::fixed << std::setprecision(4) << avg
                << "\n";
      window = 0;
    }
  }

  // Posterior vs least squares (with a tiny ridge for the prior's pull).
  auto& store = pplx::get_param_store();
  auto w_loc = store.get("w_loc").detach().cpu(), w_scale = store.get("w_scale").detach().cpu();
  auto x1 = torch::cat({x_train, torch::ones({x_train.size(0), 1}, opts)}, 1);
  auto ls = torch::linalg_solve(x1.t().matmul(x1), x1.t().matmul(y_train)).cpu();
  std::cout << "\nfeature  posterior mean +- sd   least squares\n";
  for (int64_t j = 0; j < d; ++j)
    std::cout << std::setw(7) << j << "  " << std::setw(8) << w_loc[j].item<double>() << " +- " << std::setw(6)
              << w_scale[j].item<double>() << "   " << std::setw(8) << ls[j].item<double>() << "\n";

  // Posterior predictive on the test rows: 500 draws from the guide, pushed through the model.
  pplx::infer::Predictive predictive(model, guide, 500, {"y"});
  auto samples = predictive(x_test, torch::Tensor());
  auto y_pred = samples.at("y");  // [500, N_test]
  auto mean = y_pred.mean(0), sd = y_pred.std(0);
  const double rmse = (mean - y_test).pow(2).mean().sqrt().item<double>();
  const double coverage = ((y_test - mean).abs() <= 2 * sd).to(torch::kFloat).mean().item<double>();
  const double sigma = std::exp(store.get("sigma_loc").item<double>());
  std::cout << "\nsummary: loss/row " << first << " -> " << last << ", noise sigma " << sigma << ", test RMSE " << rmse
            << " (standardised), 95% interval coverage " << coverage * 100 << " %\n";
  return last < first ? 0 : 1;
}
