// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 7: mixing optimizers.
//
// Different parameters may want different optimizers: here the guide's location parameters use
// Adam and its scale parameters plain SGD. First with two LibTorch optimizers on disjoint parameter
// sets, driven by differentiable_loss; then with pplx::optim::MixedMultiOptimizer, which routes
// parameters by name (or predicate) and takes the loss itself: `optim.step(loss, params)`.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include <torch/torch.h>

#include <common/args.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

namespace {
// Two independent means with Normal priors; 50 observations each. Model and guide create their
// tensors on the data's device (a.options()).
void model(const torch::Tensor& a, const torch::Tensor& b) {
  auto mu_a = pplx::sample("mu_a", dist::Normal(torch::zeros({}, a.options()), 5.0));
  auto mu_b = pplx::sample("mu_b", dist::Normal(torch::zeros({}, a.options()), 5.0));
  pplx::plate data("data", a.size(0), pplx::PlateOptions().device(a.device()));
  pplx::sample("a", dist::Normal(mu_a, 1.0), a);
  pplx::sample("b", dist::Normal(mu_b, 1.0), b);
}
void guide(const torch::Tensor& a, const torch::Tensor&) {
  for (const char* site : {"mu_a", "mu_b"}) {
    const std::string s(site);
    auto loc = pplx::param(s + "_loc", torch::zeros({}, a.options()));
    auto scale = pplx::param(s + "_scale", torch::ones({}, a.options()), pplx::constraints::positive);
    pplx::sample(s, dist::Normal(loc, scale));
  }
}
bool is_loc(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, "_loc") == 0; }
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "mixing optimizers: two torch optimizers, MixedMultiOptimizer");
  torch::manual_seed(args.seed);
  const int64_t steps = args.steps_or(300, 2000, 5000);
  auto a = (2.0 + torch::randn({50})).to(args.device);
  auto b = (-1.0 + torch::randn({50})).to(args.device);
  pplx::infer::TraceELBO elbo;

  // 1. Two LibTorch optimizers on disjoint parameters.
  std::unique_ptr<torch::optim::Adam> adam;
  std::unique_ptr<torch::optim::SGD> sgd;
  for (int64_t step = 0; step < steps; ++step) {
    handlers::TraceMessenger capture(handlers::TraceOptions().param_only(true));
    auto loss = elbo.differentiable_loss(model, guide, a, b);
    if (!adam) {
      std::vector<torch::Tensor> locs, scales;
      for (const auto& s : capture.get_trace()) (is_loc(s.name) ? locs : scales).push_back(s.unconstrained);
      adam = std::make_unique<torch::optim::Adam>(locs, torch::optim::AdamOptions(0.05));
      sgd = std::make_unique<torch::optim::SGD>(scales, torch::optim::SGDOptions(1e-3));
    }
    loss.backward();
    adam->step();
    sgd->step();
    adam->zero_grad();
    sgd->zero_grad();
    if (step % std::max<int64_t>(1, steps / 5) == 0)
      std::cout << "[two torch optimizers] step " << step << "  loss " << loss.item<double>() << "\n";
  }
  auto& store = pplx::get_param_store();
  const double loc_a1 = store.get("mu_a_loc").item<double>(), loc_b1 = store.get("mu_b_loc").item<double>();

  // 2. MixedMultiOptimizer: locations by predicate to Adam, scales by name to SGD.
  pplx::clear_param_store();
  pplx::optim::MixedMultiOptimizer mixed;
  mixed.add(is_loc, pplx::optim::Adam(torch::optim::AdamOptions(0.05)))
      .add({"mu_a_scale", "mu_b_scale"}, pplx::optim::SGD(torch::optim::SGDOptions(1e-3)));
  for (int64_t step = 0; step < steps; ++step) {
    handlers::TraceMessenger capture(handlers::TraceOptions().param_only(true));
    auto loss = elbo.differentiable_loss(model, guide, a, b);
    mixed.step(loss, pplx::named_params(capture.get_trace()));
    if (step % std::max<int64_t>(1, steps / 5) == 0)
      std::cout << "[MixedMultiOptimizer] step " << step << "  loss " << loss.item<double>() << "\n";
  }
  const double loc_a2 = store.get("mu_a_loc").item<double>(), loc_b2 = store.get("mu_b_loc").item<double>();
  std::cout << "summary: torch optimizers mu_a " << loc_a1 << ", mu_b " << loc_b1 << "; MixedMultiOptimizer mu_a "
            << loc_a2 << ", mu_b " << loc_b2 << " (data means " << a.mean().item<double>() << ", "
            << b.mean().item<double>() << ")\n";
  return std::abs(loc_a2 - a.mean().item<double>()) < 0.3 && std::abs(loc_a1 - a.mean().item<double>()) < 0.3 ? 0 : 1;
}
