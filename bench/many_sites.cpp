// SPDX-License-Identifier: Apache-2.0
// many_sites: 100 scalar latent sites z_i ~ N(0, 1), guide N(m_i, 1). Almost no arithmetic per
// site, so this workload shows the per-site cost of the framework.
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>

#include <pplx/distributions/normal.h>
#include <pplx/param_store.h>
#include <pplx/primitives.h>

#include "bench.h"
#include "raw.h"
#include "svi_step.h"

namespace pplx_bench {

namespace dist = pplx::distributions;

void run_many_sites(const Options& o) {
  const int k = 100;
  const double lr = 0.01;
  auto opts = at::TensorOptions().dtype(at::kFloat).device(o.device);
  auto zero = at::zeros({}, opts), one = at::ones({}, opts);
  // Site names built once on both sides: the benchmark measures the framework, not std::to_string.
  std::vector<std::string> z_names, m_names;
  for (int i = 0; i < k; ++i) {
    z_names.push_back("z_" + std::to_string(i));
    m_names.push_back("m_" + std::to_string(i));
  }

  auto model = [=] {
    for (int i = 0; i < k; ++i) pplx::sample(z_names[i], dist::Normal(zero, one));
  };
  auto guide = [=] {
    for (int i = 0; i < k; ++i) pplx::sample(z_names[i], dist::Normal(pplx::param(m_names[i], zero), one));
  };

  struct Raw {
    std::vector<at::Tensor> m;
    std::unique_ptr<torch::optim::Adam> adam;
  };
  // A fresh raw loop (parameters and Adam state), for the eager and the graph rows.
  auto make_raw = [=]() -> Step {
    auto r = std::make_shared<Raw>();
    for (int i = 0; i < k; ++i) r->m.push_back(raw::leaf(zero));
    r->adam = std::make_unique<torch::optim::Adam>(r->m, torch::optim::AdamOptions(lr));
    return [=] {
      std::vector<at::Tensor> z(k);
      for (int i = 0; i < k; ++i) z[i] = r->m[i] + at::randn({}, opts) * one;  // guide draws, in order
      at::Tensor log_p, log_q;
      for (int i = 0; i < k; ++i) {
        auto lp = raw::normal_log_prob(z[i], zero, one).sum();
        log_p = log_p.defined() ? log_p + lp : lp;
      }
      for (int i = 0; i < k; ++i) {
        auto lq = raw::normal_log_prob(z[i], r->m[i], one).sum();
        log_q = log_q.defined() ? log_q + lq : lq;
      }
      return raw::finish_step(-(log_p - log_q), *r->adam, r->m);
    };
  };
  const Step raw_step = make_raw();

  pplx::clear_param_store();
  auto pplx_step = make_svi_step(model, guide, lr);
  check_same_math("many_sites", pplx_step, raw_step, 5);
  report_ops("many_sites", pplx_step, raw_step, o.ops_detail);
  const int64_t steps = o.steps ? o.steps : (o.quick ? 10 : 300);
  report("many_sites", time_alternating(pplx_step, raw_step, o.quick ? 3 : 20, steps, 5));
  if (o.device.is_cuda()) {
    pplx::clear_param_store();
    GraphSummary summary;
    const Step graph_step = make_svi_graph_step(model, guide, lr, summary);
    report_graph(o, "many_sites", graph_step, summary, make_raw(), 6, o.quick ? 3 : 20, steps, 5);
  }
}

}  // namespace pplx_bench
