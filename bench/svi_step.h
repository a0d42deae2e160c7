// SPDX-License-Identifier: Apache-2.0
// The pplx side of the benchmark: an SVI with TraceELBO and pplx's Adam, wrapped as a Step.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <torch/optim/adam.h>

#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/optim/pytorch_optimizers.h>

#include "bench.h"

namespace pplx_bench {

/// pplx::infer::SVI(model, guide, Adam(lr), TraceELBO()) as a Step; the SVI lives in the closure.
template <class Model, class Guide>
Step make_svi_step(Model model, Guide guide, double lr) {
  using SVI = pplx::infer::SVI<Model, Guide, pplx::infer::TraceELBO>;
  auto svi = std::make_shared<SVI>(std::move(model), std::move(guide), pplx::optim::Adam(torch::optim::AdamOptions(lr)),
                                   pplx::infer::TraceELBO());
  return [svi] { return svi->step(); };
}

/// make_svi_step with SVIOptions().cuda_graph(true); `summary` receives a function that describes
/// what the graph did so far ("captures=1 replays=95 ...").
template <class Model, class Guide>
Step make_svi_graph_step(Model model, Guide guide, double lr, GraphSummary& summary) {
  using SVI = pplx::infer::SVI<Model, Guide, pplx::infer::TraceELBO>;
  auto svi = std::make_shared<SVI>(std::move(model), std::move(guide), pplx::optim::Adam(torch::optim::AdamOptions(lr)),
                                   pplx::infer::TraceELBO(), pplx::infer::SVIOptions().cuda_graph(true));
  summary = [svi] {
    const auto s = svi->cuda_graph_stats();
    return "eager_steps=" + std::to_string(s.eager_steps) + " probe_steps=" + std::to_string(s.probe_steps) +
           " captures=" + std::to_string(s.captures) + " replays=" + std::to_string(s.replays) +
           (s.last_fallback.empty() ? std::string() : " fallback=\"" + s.last_fallback + "\"");
  };
  return [svi] { return svi->step(); };
}

}  // namespace pplx_bench
