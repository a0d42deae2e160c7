// SPDX-License-Identifier: Apache-2.0
#include "reliability/thread_fit.h"

#include <torch/torch.h>

#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/optim/pytorch_optimizers.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace h = pplx::handlers;

namespace pplx_test {

FitResult fit(int k, const FitConfig& c) {
  pplx::ParamStore store;
  pplx::ParamStoreScope use(store);
  auto seeded = h::seed(1000 + static_cast<uint64_t>(k));
  const auto x = torch::linspace(-1.0, 1.0, c.num_data) * (1.0 + k) + 0.5 * k;

  auto model = [&](const torch::Tensor& data_x) {
    auto loc = pplx::sample("loc", dist::Normal(0.0, 10.0));
    pplx::plate data("data", data_x.size(0), pplx::PlateOptions().subsample_size(c.subsample_size));
    pplx::sample("obs", dist::Normal(loc, 1.0), data.subsample(data_x));
  };
  auto guide = [&](const torch::Tensor&) {
    auto m = pplx::param("m", torch::zeros({}));
    auto s = pplx::param("s", torch::ones({}), pplx::constraints::positive);
    pplx::sample("loc", dist::Normal(m, s));
  };

  FitResult out;
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), pplx::infer::TraceELBO());
  for (int step = 0; step < c.steps; ++step) out.losses.push_back(svi.step(x));
  for (const auto& n : store.names()) {
    out.names.push_back(n);
    out.values.push_back(store.get(n).detach().clone());
  }
  return out;
}

}  // namespace pplx_test
