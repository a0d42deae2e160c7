// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 5: scaling the loss by 1/N.
//
// With plain SGD the size of the loss sets the step size, so it is common to divide the ELBO by
// the number of data points. Either divide the differentiable loss, or scale every log-density of
// the model and the guide with handlers::scale(fn, 1.0 / N): both give the same number, and the
// second form works with SVI directly.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

namespace {
// Model and guide create their tensors like the data (float64, on its device).
void model(const torch::Tensor& x) {
  auto mu = pplx::sample("mu", dist::Normal(torch::zeros({}, x.options()), 10.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
  pplx::sample("x", dist::Normal(mu, 2.0), x);
}
void guide(const torch::Tensor& x) {
  auto loc = pplx::param("loc", torch::zeros({}, x.options()));
  auto scale = pplx::param("scale", torch::ones({}, x.options()), pplx::constraints::positive);
  pplx::sample("mu", dist::Normal(loc, scale));
}
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "SVI with the loss scaled by 1/N");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(300, 2000, 5000);
  const int64_t n = 1000;
  auto x = (3.0 + 2.0 * torch::randn({n}, torch::kDouble)).to(args.device);

  // The same draw (seed) through both forms gives the same scaled loss.
  pplx::infer::TraceELBO elbo;
  double divided, scaled;
  {
    auto s = handlers::seed(7);
    divided = elbo.differentiable_loss(model, guide, x).item<double>() / n;
  }
  {
    auto s = handlers::seed(7);
    scaled = elbo.loss(handlers::scale(model, 1.0 / n), handlers::scale(guide, 1.0 / n), x);
  }
  std::cout << "loss / N = " << divided << ", loss of scaled model and guide = " << scaled << "\n";

  // Train with plain SGD on the scaled objective: lr 0.1 is now a sensible step size.
  pplx::infer::SVI svi(handlers::scale(model, 1.0 / n), handlers::scale(guide, 1.0 / n),
                       pplx::optim::SGD(torch::optim::SGDOptions(0.1).momentum(0.9)), pplx::infer::TraceELBO());
  for (int64_t step = 0; step < steps; ++step) {
    const double loss = svi.step(x);
    if (step % std::max<int64_t>(1, steps / 10) == 0) std::cout << "step " << step << "  loss/N " << loss << "\n";
  }
  const double loc = pplx::get_param_store().get("loc").item<double>();
  const double post_mean = x.sum().item<double>() / 4.0 / (1.0 / 100.0 + n / 4.0);
  std::cout << "summary: |loss/N - scaled loss| = " << std::abs(divided - scaled) << "; loc " << loc
            << " (exact posterior mean " << post_mean << ")\n";
  return std::abs(divided - scaled) < 1e-9 && std::abs(loc - post_mean) < 0.2 ? 0 : 1;
}
