// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 2: the lower-level pattern SVI.step is made of.
//
//   1. run the loss under a param-only trace to find the parameters it touches,
//   2. differentiable_loss(model, guide, args) gives a tensor with autograd history,
//   3. loss.backward(), then any torch optimizer steps the unconstrained parameter tensors.
// This is what you write when you need full control (custom optimizers, logging of gradients...).
// Model: Bayesian linear regression y ~ N(X w + b, 0.5) with a mean-field Normal guide.
#include <algorithm>
#include <iostream>
#include <memory>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "SVI by hand: differentiable_loss + torch::optim::Adam");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(300, 2000, 5000);

  // Simulated on the CPU (the same data whatever the device), then moved to the device once.
  const int64_t n = 100;
  auto X = torch::randn({n, 2});
  auto y = X.matmul(torch::tensor({1.5, -0.7})) + 0.3 + 0.5 * torch::randn({n});
  X = X.to(args.device);
  y = y.to(args.device);

  // Everything the model and guide create lives where the data are.
  auto model = [](const torch::Tensor& X, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({2}, X.options()), 1.0).to_event(1));
    auto b = pplx::sample("b", dist::Normal(torch::zeros({}, X.options()), 1.0));
    pplx::plate data("data", X.size(0), pplx::PlateOptions().device(X.device()));
    pplx::sample("y", dist::Normal(X.matmul(w) + b, 0.5), y);
  };
  auto guide = [](const torch::Tensor& X, const torch::Tensor&) {
    auto w_loc = pplx::param("w_loc", torch::zeros({2}, X.options()));
    auto w_scale = pplx::param("w_scale", torch::full({2}, 0.1, X.options()), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto b_loc = pplx::param("b_loc", torch::zeros({}, X.options()));
    auto b_scale = pplx::param("b_scale", torch::full({}, 0.1, X.options()), pplx::constraints::positive);
    pplx::sample("b", dist::Normal(b_loc, b_scale));
  };

  pplx::infer::TraceELBO elbo;
  std::unique_ptr<torch::optim::Adam> optimizer;  // made once the parameters exist
  for (int64_t step = 0; step < steps; ++step) {
    // (1) + (2): the param-only trace sees every pplx::param the loss reads.
    handlers::TraceMessenger param_capture(handlers::TraceOptions().param_only(true));
    torch::Tensor loss = elbo.differentiable_loss(model, guide, X, y);
    if (!optimizer) {
      std::vector<torch::Tensor> params;
      for (const auto& site : param_capture.get_trace()) params.push_back(site.unconstrained);
      optimizer = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(0.02));
      std::cout << "optimizing " << params.size() << " parameter tensors\n";
    }
    // (3)
    loss.backward();
    optimizer->step();
    optimizer->zero_grad();
    if (step % std::max<int64_t>(1, steps / 10) == 0)
      std::cout << "step " << step << "  loss " << loss.item<double>() << "\n";
  }
  auto& store = pplx::get_param_store();
  auto w = store.get("w_loc").detach().cpu();
  std::cout << "summary: w_loc [" << w[0].item<double>() << ", " << w[1].item<double>()
            << "] (true [1.5, -0.7]), b_loc " << store.get("b_loc").item<double>() << " (true 0.3) after " << steps
            << " steps\n";
  const double err = (w - torch::tensor({1.5, -0.7})).abs().max().item<double>();
  return err < 0.5 ? 0 : 1;
}
