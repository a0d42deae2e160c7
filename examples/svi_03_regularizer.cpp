// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 3: adding a custom regularizer to the loss.
//
// The ELBO's differentiable_loss is an ordinary tensor, so any penalty can be added before
// backward(). Here an L2 penalty on the weights of a small neural network that a guide uses to
// amortize its posterior over per-datapoint latents. The same loss is given to SVI as a callable
// `(model, guide, args...) -> tensor`, so the loop stays `svi.step(...)`.
#include <algorithm>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "SVI with an L2 regularizer on the guide network");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(200, 1500, 4000);
  const double l2 = 1e-2;

  // x_i = z_i + noise, z_i ~ N(0, 1): the guide predicts z_i from x_i with a tiny network.
  // Data (simulated on the CPU) and network are moved to the device once.
  const int64_t n = 64;
  auto z_true = torch::randn({n, 1});
  auto x = (z_true + 0.5 * torch::randn({n, 1})).to(args.device);
  torch::nn::Sequential encoder(torch::nn::Linear(1, 16), torch::nn::Tanh(), torch::nn::Linear(16, 2));
  encoder->to(args.device);
  const auto opts = x.options();

  auto model = [](const torch::Tensor& x) {
    pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
    auto z = pplx::sample("z", dist::Normal(torch::zeros({x.size(0), 1}, x.options()), 1.0).to_event(1));
    pplx::sample("x", dist::Normal(z, 0.5).to_event(1), x);
  };
  auto guide = [&](const torch::Tensor& x) {
    auto net = pplx::module("encoder", encoder);
    auto out = net->forward(x);
    pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
    pplx::sample("z",
                 dist::Normal(out.narrow(1, 0, 1), torch::nn::functional::softplus(out.narrow(1, 1, 1))).to_event(1));
  };

  // The regularized loss: ELBO plus the squared norm of every network weight.
  pplx::infer::TraceELBO elbo;
  auto regularized = [&](auto& model, auto& guide, const torch::Tensor& x) {
    torch::Tensor loss = elbo.differentiable_loss(model, guide, x);
    torch::Tensor penalty = torch::zeros({}, opts);
    for (const auto& p : encoder->parameters()) penalty = penalty + p.pow(2).sum();
    return loss + l2 * penalty;
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(1e-2)), regularized);

  torch::Tensor penalty_start = torch::zeros({}, opts);
  for (const auto& p : encoder->parameters()) penalty_start = penalty_start + p.pow(2).sum().detach();
  for (int64_t step = 0; step < steps; ++step) {
    const double loss = svi.step(x);
    if (step % std::max<int64_t>(1, steps / 10) == 0)
      std::cout << "step " << step << "  regularized loss " << loss << "\n";
  }
  torch::Tensor penalty_end = torch::zeros({}, opts);
  for (const auto& p : encoder->parameters()) penalty_end = penalty_end + p.pow(2).sum().detach();
  // The exact posterior mean of z_i given x_i is x_i / (1 + 0.25).
  torch::NoGradGuard no_grad;
  const double err = (encoder->forward(x).narrow(1, 0, 1) - x / 1.25).abs().mean().item<double>();
  std::cout << "summary: weight L2 " << penalty_start.item<double>() << " -> " << penalty_end.item<double>()
            << ", mean |guide mean - exact posterior mean| = " << err << "\n";
  return err < 0.5 ? 0 : 1;
}
