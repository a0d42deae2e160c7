// SPDX-License-Identifier: Apache-2.0
// autoguide_regression: the README's model (3 weights, a bias, 100 observations) with AutoNormal
// against the same model with the equivalent hand-written mean-field guide (locs at 0, scales 0.1
// through softplus, as AutoNormal's defaults), both with pplx's SVI. The ratio is the autoguide's
// overhead; target <= 1.10.
#include <cstdio>
#include <memory>

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <pplx/distributions/normal.h>
#include <pplx/infer/autoguide.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

#include "bench.h"
#include "svi_step.h"  // SVI, TraceELBO, Adam

namespace pplx_bench {

namespace dist = pplx::distributions;

void run_autoguide_regression(const Options& o) {
  pplx::clear_param_store();
  const int64_t n = 100;
  const double lr = 0.01;
  auto opts = at::TensorOptions().dtype(at::kFloat).device(o.device);
  torch::manual_seed(1);
  auto x = at::randn({n, 3}).to(o.device);
  auto y = x.matmul(at::tensor({1.0f, -2.0f, 0.5f}).to(o.device)) + 0.3 + 0.5 * at::randn({n}).to(o.device);
  auto zero = at::zeros({}, opts), one = at::ones({}, opts), zeros3 = at::zeros({3}, opts);
  auto scale3 = at::full({3}, 0.1, opts), scale0 = at::full({}, 0.1, opts);

  // The README's model.
  auto model = [=](const at::Tensor& x, const at::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(zeros3, one).to_event(1));
    auto b = pplx::sample("b", dist::Normal(zero, one));
    pplx::plate data("data", x.size(0), pplx::PlateOptions().device(o.device));
    pplx::sample("y", dist::Normal(x.matmul(w) + b, 0.5), y);
  };
  auto hand = [=](const at::Tensor&, const at::Tensor&) {
    auto w_loc = pplx::param("w_loc", zeros3);
    auto w_scale = pplx::param("w_scale", scale3, pplx::constraints::softplus_positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto b_loc = pplx::param("b_loc", zero);
    auto b_scale = pplx::param("b_scale", scale0, pplx::constraints::softplus_positive);
    pplx::sample("b", dist::Normal(b_loc, b_scale));
  };
  auto guide = pplx::infer::autoguide::AutoNormal(model);
  guide.median(x, y);  // traces the model once, so that the timed steps draw the same noise as `hand`

  using pplx::infer::SVI;
  auto auto_svi = std::make_shared<SVI<decltype(model), decltype(guide)>>(
      model, guide, pplx::optim::Adam(torch::optim::AdamOptions(lr)), pplx::infer::TraceELBO());
  auto hand_svi = std::make_shared<SVI<decltype(model), decltype(hand)>>(
      model, hand, pplx::optim::Adam(torch::optim::AdamOptions(lr)), pplx::infer::TraceELBO());
  Step auto_step = [=] { return auto_svi->step(x, y); };
  Step hand_step = [=] { return hand_svi->step(x, y); };

  check_same_math("autoguide_regression", auto_step, hand_step, 5);
  report_ops("autoguide_regression", auto_step, hand_step, o.ops_detail);
  const int64_t steps = o.steps ? o.steps : (o.quick ? 50 : 2000);
  Timing t = time_alternating(auto_step, hand_step, o.quick ? 10 : 100, steps, 20);
  std::printf("bench: autoguide_regression autonormal_ms=%.4g handwritten_ms=%.4g ratio=%.3f (target <= 1.10)\n",
              t.pplx_ms, t.raw_ms, t.raw_ms > 0 ? t.pplx_ms / t.raw_ms : 0.0);
  std::fflush(stdout);
}

}  // namespace pplx_bench
