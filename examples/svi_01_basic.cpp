// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 1: the basic loop, `svi.step(data)`.
//
// Is a coin fair? Prior p ~ Beta(10, 10); each flip x_i ~ Bernoulli(p). The guide is a Beta with
// learnable concentrations. pplx::infer::SVI bundles the ELBO, the parameter capture and the
// optimizer step, so training is one call per step. The conjugate posterior is known exactly,
// which the summary compares against.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "SVI basics: is the coin fair? (Beta-Bernoulli)");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(300, 2000, 5000);

  // 6 heads in 10 flips, on the device; the model and guide create their tensors there too.
  const auto opts = torch::TensorOptions().dtype(torch::kDouble).device(args.device);
  auto data = torch::tensor({1., 1., 1., 1., 1., 1., 0., 0., 0., 0.}, torch::kDouble).to(args.device);

  auto model = [opts](const torch::Tensor& flips) {
    auto p = pplx::sample("fairness", dist::Beta(torch::full({}, 10.0, opts), 10.0));
    pplx::plate coins("flips", flips.size(0), pplx::PlateOptions().device(opts.device()));
    pplx::sample("obs", dist::Bernoulli(p), flips);
  };
  auto guide = [opts](const torch::Tensor&) {
    auto a = pplx::param("alpha_q", torch::full({}, 15.0, opts), pplx::constraints::positive);
    auto b = pplx::param("beta_q", torch::full({}, 15.0, opts), pplx::constraints::positive);
    pplx::sample("fairness", dist::Beta(a, b));
  };

  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(5e-3).betas({0.9, 0.999})),
                       pplx::infer::TraceELBO());
  for (int64_t step = 0; step < steps; ++step) {
    const double loss = svi.step(data);
    if (step % std::max<int64_t>(1, steps / 10) == 0) std::cout << "step " << step << "  loss " << loss << "\n";
  }

  const double a = pplx::get_param_store().get("alpha_q").item<double>();
  const double b = pplx::get_param_store().get("beta_q").item<double>();
  const double mean = a / (a + b), sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  // Exact posterior: Beta(10 + heads, 10 + tails) = Beta(16, 14).
  const double exact_mean = 16.0 / 30.0, exact_sd = std::sqrt(16.0 * 14.0 / (30.0 * 30.0 * 31.0));
  std::cout << "summary: fairness " << mean << " +- " << sd << " (exact posterior " << exact_mean << " +- " << exact_sd
            << ") after " << steps << " steps\n";
  return std::abs(mean - exact_mean) < 0.1 ? 0 : 1;
}
