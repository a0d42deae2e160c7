// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 9: KL annealing.
//
// Early in training it can help to down-weight the KL part of the ELBO (the latent sites' log p(z)
// - log q(z)) and raise the weight to 1 over time. The annealing factor is an ordinary argument of
// the model and guide, applied with handlers::scale around the chosen latent sites in both; SVI
// forwards it from step(). Model: a linear-Gaussian state-space model (as in Pyro's deep Markov
// model tutorial, where this trick comes from), z_t = 0.9 z_{t-1} + noise, x_t = z_t + noise.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

namespace {
constexpr int64_t kT = 15;

// x: [num_sequences, T]. The latent sites z_t are annealed; the observations are not. Tensors are
// created on the data's device (x.options()).
void model(const torch::Tensor& x, double annealing_factor) {
  pplx::plate sequences("sequences", x.size(0), pplx::PlateOptions().device(x.device()));
  torch::Tensor z = torch::zeros({x.size(0)}, x.options());
  for (int64_t t = 0; t < kT; ++t) {
    {
      auto anneal = handlers::scale(annealing_factor);
      z = pplx::sample("z_" + std::to_string(t), dist::Normal(0.9 * z, 0.5));
    }
    pplx::sample("x_" + std::to_string(t), dist::Normal(z, 0.3), x.select(1, t));
  }
}
void guide(const torch::Tensor& x, double annealing_factor) {
  auto loc = pplx::param("z_loc", [&] { return torch::zeros({x.size(0), kT}, x.options()); });
  auto scale = pplx::param(
      "z_scale",
      [&] {
        return torch::full({x.size(0), kT}, 0.3, x.options());
      },
      pplx::constraints::positive);
  pplx::plate sequences("sequences", x.size(0), pplx::PlateOptions().device(x.device()));
  for (int64_t t = 0; t < kT; ++t) {
    auto anneal = handlers::scale(annealing_factor);
    pplx::sample("z_" + std::to_string(t), dist::Normal(loc.select(1, t), scale.select(1, t)));
  }
}
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "KL annealing on a linear-Gaussian state-space model");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(150, 3000, 8000);
  const int64_t annealing_steps = std::max<int64_t>(1, steps / 2);
  const double minimum_factor = 0.1;

  // Simulate 8 sequences.
  const int64_t n = 8;
  auto z = torch::zeros({n});
  auto x = torch::empty({n, kT});
  for (int64_t t = 0; t < kT; ++t) {
    z = 0.9 * z + 0.5 * torch::randn({n});
    x.select(1, t).copy_(z + 0.3 * torch::randn({n}));
  }
  x = x.to(args.device);  // simulated on the CPU (the same data on every device), moved once

  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)), pplx::infer::TraceELBO());
  double factor = minimum_factor;
  for (int64_t step = 0; step < steps; ++step) {
    // Linear schedule from minimum_factor to 1 over the first annealing_steps steps.
    factor = minimum_factor + (1.0 - minimum_factor) * std::min(1.0, static_cast<double>(step) / annealing_steps);
    const double loss = svi.step(x, factor);
    if (step % std::max<int64_t>(1, steps / 10) == 0)
      std::cout << "step " << step << "  annealing factor " << factor << "  loss " << loss << "\n";
  }
  const double final_loss = svi.evaluate_loss(x, 1.0);
  std::cout << "summary: annealing factor reached " << factor << ", final loss (factor 1) " << final_loss << "\n";
  return factor == 1.0 && std::isfinite(final_loss) ? 0 : 1;
}
