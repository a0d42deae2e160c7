// SPDX-License-Identifier: Apache-2.0
// tiny_regression: Bayesian linear regression, 3 weights, 100 observations, mean-field guide.
#include <cstdio>
#include <memory>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <pplx/distributions/log_normal.h>
#include <pplx/distributions/normal.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

#include "bench.h"
#include "raw.h"
#include "svi_step.h"

namespace pplx_bench {

namespace dist = pplx::distributions;

TinyRegression make_tiny_regression(const Options& o, bool graph) {
  const int64_t n = 100;
  const double lr = 0.01;
  auto opts = at::TensorOptions().dtype(at::kFloat).device(o.device);
  // Data: y = x w + b + noise, drawn once from a fixed seed.
  torch::manual_seed(1);
  auto x = at::randn({n, 3}).to(o.device);
  auto y = (x.matmul(at::tensor({1.0f, -2.0f, 0.5f}).to(o.device)) + 0.3 + 0.5 * at::randn({n}).to(o.device));
  // Constants both sides use: the priors' parameters and the guide's initial values.
  auto zero = at::zeros({}, opts), one = at::ones({}, opts);
  auto zeros3 = at::zeros({3}, opts), ones3 = at::ones({3}, opts);
  auto scale3_0 = at::full({3}, 0.1, opts), scale0 = at::full({}, 0.1, opts);

  auto model = [=] {
    auto w = pplx::sample("w", dist::Normal(zeros3, ones3).to_event(1));
    auto b = pplx::sample("b", dist::Normal(zero, one));
    auto s = pplx::sample("s", dist::LogNormal(zero, one));
    pplx::plate data("data", n, pplx::PlateOptions().device(o.device));
    pplx::sample("y", dist::Normal(x.matmul(w) + b, s), y);
  };
  auto guide = [=] {
    auto w_loc = pplx::param("w_loc", zeros3);
    auto w_scale = pplx::param("w_scale", scale3_0, pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto b_loc = pplx::param("b_loc", zero);
    auto b_scale = pplx::param("b_scale", scale0, pplx::constraints::positive);
    pplx::sample("b", dist::Normal(b_loc, b_scale));
    auto s_loc = pplx::param("s_loc", zero);
    auto s_scale = pplx::param("s_scale", scale0, pplx::constraints::positive);
    pplx::sample("s", dist::LogNormal(s_loc, s_scale));
  };

  // The same by hand: positive parameters are kept as their logs, as the param store keeps them.
  struct Raw {
    at::Tensor w_loc, w_scale_u, b_loc, b_scale_u, s_loc, s_scale_u;
    std::vector<at::Tensor> params;
    std::unique_ptr<torch::optim::Adam> adam;
  };
  auto r = std::make_shared<Raw>();
  r->w_loc = raw::leaf(zeros3);
  r->w_scale_u = raw::leaf(scale3_0.log());
  r->b_loc = raw::leaf(zero);
  r->b_scale_u = raw::leaf(scale0.log());
  r->s_loc = raw::leaf(zero);
  r->s_scale_u = raw::leaf(scale0.log());
  r->params = {r->w_loc, r->w_scale_u, r->b_loc, r->b_scale_u, r->s_loc, r->s_scale_u};
  r->adam = std::make_unique<torch::optim::Adam>(r->params, torch::optim::AdamOptions(lr));
  auto raw_step = [=] {
    // guide: reparameterized draws, in the guide's order (the same noise as pplx's)
    auto w_scale = r->w_scale_u.exp();
    auto w = r->w_loc + at::randn({3}, opts) * w_scale;
    auto b_scale = r->b_scale_u.exp();
    auto b = r->b_loc + at::randn({}, opts) * b_scale;
    auto s_scale = r->s_scale_u.exp();
    auto s = (r->s_loc + at::randn({}, opts) * s_scale).exp();
    // model log density, then guide log density; loss = -(log p - log q)
    auto log_p = raw::normal_log_prob(w, zeros3, ones3).sum() + raw::normal_log_prob(b, zero, one).sum() +
                 raw::log_normal_log_prob(s, zero, one).sum() + raw::normal_log_prob(y, x.matmul(w) + b, s).sum();
    auto log_q = raw::normal_log_prob(w, r->w_loc, w_scale).sum() + raw::normal_log_prob(b, r->b_loc, b_scale).sum() +
                 raw::log_normal_log_prob(s, r->s_loc, s_scale).sum();
    return raw::finish_step(-(log_p - log_q), *r->adam, r->params);
  };
  TinyRegression out;
  out.pplx = graph ? make_svi_graph_step(model, guide, lr, out.summary) : make_svi_step(model, guide, lr);
  out.raw = raw_step;
  return out;
}

void run_tiny_regression(const Options& o) {
  pplx::clear_param_store();
  auto w = make_tiny_regression(o);
  check_same_math("tiny_regression", w.pplx, w.raw, 5);
  report_ops("tiny_regression", w.pplx, w.raw, o.ops_detail);
  const int64_t steps = o.steps ? o.steps : (o.quick ? 50 : 2000);
  report("tiny_regression", time_alternating(w.pplx, w.raw, o.quick ? 10 : 100, steps, 20));
  if (o.device.is_cuda()) {
    pplx::clear_param_store();
    auto g = make_tiny_regression(o, /*graph=*/true);
    report_graph(o, "tiny_regression", g.pplx, g.summary, g.raw, 6, o.quick ? 10 : 100, steps, 20);
  }
}

void run_memory(const Options& o) {
  pplx::clear_param_store();
  auto w = make_tiny_regression(o);
  const int64_t first = 100, last = o.quick ? 1000 : 10000;
  for (int64_t i = 0; i < first; ++i) w.pplx();
  const int64_t rss_first = vm_rss_kb(), hwm_first = vm_hwm_kb();
  for (int64_t i = first; i < last; ++i) w.pplx();
  const int64_t rss_last = vm_rss_kb(), hwm_last = vm_hwm_kb();
  std::printf("bench: memory rss_%lld_kb=%lld rss_%lld_kb=%lld growth=%.2f%% (VmHWM %lld -> %lld kB)\n",
              static_cast<long long>(first), static_cast<long long>(rss_first), static_cast<long long>(last),
              static_cast<long long>(rss_last), 100.0 * (rss_last - rss_first) / rss_first,
              static_cast<long long>(hwm_first), static_cast<long long>(hwm_last));
  std::fflush(stdout);
  print_trace_site_bytes(o);
}

}  // namespace pplx_bench
