// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 8: writing your own ELBO with trace and replay.
//
// An ELBO is a few lines of effect handlers: trace the guide, replay the model against the
// guide's draws, and subtract the log-densities. Any callable `(model, guide, args...) -> tensor`
// can be SVI's loss. With the same seed (handlers::seed) the custom ELBO and TraceELBO draw the
// same latents, so their losses, gradients and whole training runs agree.
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
  auto loc = pplx::sample("loc", dist::Normal(torch::zeros({}, x.options()), 3.0));
  auto log_scale = pplx::sample("log_scale", dist::Normal(torch::zeros({}, x.options()), 1.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
  pplx::sample("x", dist::Normal(loc, log_scale.exp()), x);
}
void guide(const torch::Tensor& x) {
  for (const char* name : {"loc", "log_scale"}) {
    const std::string s(name);
    auto m = pplx::param(s + "_q_loc", torch::zeros({}, x.options()));
    auto sd = pplx::param(s + "_q_scale", torch::full({}, 0.3, x.options()), pplx::constraints::positive);
    pplx::sample(s, dist::Normal(m, sd));
  }
}

// The whole custom ELBO (Pyro's tutorial `simple_elbo`).
const auto simple_elbo = [](auto& model, auto& guide, const torch::Tensor& x) {
  pplx::Trace guide_trace = handlers::trace(guide).get_trace(x);
  pplx::Trace model_trace = handlers::trace(handlers::replay(model, guide_trace)).get_trace(x);
  return -(model_trace.log_prob_sum() - guide_trace.log_prob_sum());
};

template <class Loss>
double fit(Loss loss, const torch::Tensor& x, int64_t steps, bool print) {
  pplx::clear_param_store();
  auto seeded = handlers::seed(1234);
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)), loss);
  double last = 0;
  for (int64_t step = 0; step < steps; ++step) {
    last = svi.step(x);
    if (print && step % std::max<int64_t>(1, steps / 5) == 0) std::cout << "step " << step << "  loss " << last << "\n";
  }
  return last;
}
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "a custom ELBO from trace + replay, checked against TraceELBO");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(200, 2000, 5000);
  auto x = (1.0 + 0.5 * torch::randn({100}, torch::kDouble)).to(args.device);

  // One evaluation with the same seed.
  pplx::infer::TraceELBO trace_elbo;
  double custom_value, reference_value;
  {
    auto s = handlers::seed(42);
    custom_value = simple_elbo(model, guide, x).item<double>();
  }
  {
    auto s = handlers::seed(42);
    reference_value = trace_elbo.loss(model, guide, x);
  }
  std::cout << "custom ELBO loss " << custom_value << ", TraceELBO loss " << reference_value << "\n";

  // Whole training runs from the same seed.
  const double custom_final = fit(simple_elbo, x, steps, true);
  const auto custom_params = pplx::get_param_store().get("loc_q_loc").item<double>();
  const double reference_final = fit(pplx::infer::TraceELBO(), x, steps, false);
  const auto reference_params = pplx::get_param_store().get("loc_q_loc").item<double>();
  const double diff = std::max({std::abs(custom_value - reference_value), std::abs(custom_final - reference_final),
                                std::abs(custom_params - reference_params)});
  std::cout << "summary: custom ELBO vs TraceELBO max difference " << diff << " (loss " << custom_final << ", loc "
            << custom_params << " after " << steps << " steps)\n";
  return diff < 1e-6 ? 0 : 1;
}
