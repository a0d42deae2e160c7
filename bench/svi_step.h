// SPDX-License-Identifier: Apache-2.0
// The pplx side of the benchmark: an SVI with TraceELBO and pplx's Adam, wrapped as a Step.
#pragma once

#include <memory>
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
  auto svi = std::make_shared<SVI>(std::move(model), std::move(guide),
                                   pplx::optim::Adam(torch::optim::AdamOptions(lr)), pplx::infer::TraceELBO());
  return [svi] { return svi->step(); };
}

}  // namespace pplx_bench
