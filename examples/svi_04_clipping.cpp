// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 4: gradient clipping with clip_args.
//
// pplx optimizers take Pyro's clip_args as ClipOptions: clip_norm and clip_value act on each
// parameter tensor separately (as Pyro's do); global_clip_norm bounds the norm of all gradients of
// a step together. A badly scaled start (huge data values) makes the first gradients enormous;
// clipping keeps the first updates small. The lower-level equivalent with LibTorch's own
// clip_grad_norm_ is shown at the end.
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
// Model and guide create their tensors on the data's device (x.options()).
void model(const torch::Tensor& x) {
  auto mu = pplx::sample("mu", dist::Normal(torch::zeros({}, x.options()), 100.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
  pplx::sample("x", dist::Normal(mu, 1.0), x);
}
void guide(const torch::Tensor& x) {
  auto loc = pplx::param("loc", torch::zeros({}, x.options()));
  auto scale = pplx::param("scale", torch::ones({}, x.options()), pplx::constraints::positive);
  pplx::sample("mu", dist::Normal(loc, scale));
}
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "SVI with gradient clipping (clip_norm, clip_value, global)");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(300, 3000, 6000);
  auto x = (50.0 + torch::randn({200})).to(args.device);  // the posterior of mu sits near 50

  double fitted_loc = 0;
  for (auto clip : {pplx::optim::ClipOptions().clip_norm(10.0), pplx::optim::ClipOptions().clip_value(1.0),
                    pplx::optim::ClipOptions().global_clip_norm(10.0)}) {
    pplx::clear_param_store();
    pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.5), clip),
                         pplx::infer::TraceELBO());
    for (int64_t step = 0; step < steps; ++step) {
      const double loss = svi.step(x);
      if (step % std::max<int64_t>(1, steps / 5) == 0) std::cout << "step " << step << "  loss " << loss << "\n";
    }
    fitted_loc = pplx::get_param_store().get("loc").item<double>();
    std::cout << (clip.clip_norm()    ? "clip_norm 10"
                  : clip.clip_value() ? "clip_value 1"
                                      : "global_clip_norm 10")
              << ": loc " << fitted_loc << "\n";
  }

  // Lower level: differentiable_loss, backward, then clip with LibTorch before the step.
  pplx::clear_param_store();
  pplx::infer::TraceELBO elbo;
  double before = 0, after = 0;
  {
    handlers::TraceMessenger capture(handlers::TraceOptions().param_only(true));
    auto loss = elbo.differentiable_loss(model, guide, x);
    loss.backward();
    std::vector<torch::Tensor> params;
    for (const auto& s : capture.get_trace()) params.push_back(s.unconstrained);
    before = torch::nn::utils::clip_grad_norm_(params, 10.0);
    for (const auto& p : params) after += p.grad().pow(2).sum().item<double>();
    after = std::sqrt(after);
  }
  const double data_mean = x.mean().item<double>();
  std::cout << "summary: first-step gradient norm " << before << " clipped to " << after << "; last fit loc "
            << fitted_loc << " (data mean " << data_mean << ")\n";
  return after <= 10.0 + 1e-3 && std::abs(fitted_loc - data_mean) < 1.0 ? 0 : 1;
}
