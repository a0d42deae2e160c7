// SPDX-License-Identifier: Apache-2.0
// SVIOptions().cuda_graph(true) where no graph can be captured (a CPU build, or CPU tensors):
// every step runs eagerly with the eager step's numbers, the stats say why, and arguments a graph
// could not key are refused the same way everywhere. The graphs themselves are tested in
// tests/cuda/test_cuda_graph.cpp.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;

namespace cuda_graph_fallback {

void model(const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({2}), 1.0).to_event(1));
  pplx::plate data("data", x.size(0));
  pplx::sample("y", dist::Normal(x.matmul(w), 0.5), y);
}
void guide(const torch::Tensor&, const torch::Tensor&) {
  auto loc = pplx::param("w_loc", torch::zeros({2}));
  auto scale = pplx::param("w_scale", torch::full({2}, 0.1), pplx::constraints::positive);
  pplx::sample("w", dist::Normal(loc, scale).to_event(1));
}

std::vector<double> run(bool graph, bool async, int steps) {
  pplx::clear_param_store();
  torch::manual_seed(3);
  auto x = torch::randn({30, 2});
  auto y = x.matmul(torch::tensor({0.5f, -1.0f})) + 0.3f * torch::randn({30});
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), pplx::infer::TraceELBO(),
                       pplx::infer::SVIOptions().cuda_graph(graph));
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) losses.push_back(async ? svi.step_async(x, y).item<double>() : svi.step(x, y));
  losses.push_back(pplx::get_param_store().get("w_loc")[0].item<double>());
  if (graph) {
    const auto stats = svi.cuda_graph_stats();
    CHECK(stats.replays == 0);
    CHECK(stats.captures == 0);
    CHECK(stats.eager_steps == steps);
    CHECK_FALSE(stats.last_fallback.empty());  // why: no CUDA in this build, or CPU parameters
  } else {
    CHECK(svi.cuda_graph_stats().eager_steps == 0);
  }
  return losses;
}

}  // namespace cuda_graph_fallback

TEST_CASE("cuda_graph without CUDA tensors runs every step eagerly, with the eager step's numbers") {
  CHECK(cuda_graph_fallback::run(true, false, 6) == cuda_graph_fallback::run(false, false, 6));
  CHECK(cuda_graph_fallback::run(true, true, 6) == cuda_graph_fallback::run(false, true, 6));
}

TEST_CASE("cuda_graph refuses step arguments a graph could not key") {
  pplx::clear_param_store();
  auto named_model = [](const torch::Tensor& x, const std::string& name) { pplx::sample(name, dist::Normal(x, 1.0)); };
  auto named_guide = [](const torch::Tensor&, const std::string& name) {
    pplx::sample(name, dist::Normal(pplx::param("loc", torch::zeros({})), 1.0));
  };
  pplx::infer::SVI svi(named_model, named_guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)),
                       pplx::infer::TraceELBO(), pplx::infer::SVIOptions().cuda_graph(true));
  CHECK_THROWS_WITH_AS(svi.step(torch::zeros({}), std::string("z")), doctest::Contains("argument 1"), pplx::ValueError);

  pplx::infer::SVI plain(cuda_graph_fallback::model, cuda_graph_fallback::guide,
                         pplx::optim::Adam(torch::optim::AdamOptions(0.05)), pplx::infer::TraceELBO(),
                         pplx::infer::SVIOptions().cuda_graph(true));
  auto x = torch::randn({4, 2}).requires_grad_();
  CHECK_THROWS_WITH_AS(plain.step(x, torch::zeros({4})), doctest::Contains("requires grad"), pplx::ValueError);
  // Numbers are keyed by value: fine.
  auto counted = [](const torch::Tensor& x, int64_t n) {
    pplx::sample("z", dist::Normal(x.narrow(0, 0, n), 1.0).to_event(1));
  };
  auto counted_guide = [](const torch::Tensor&, int64_t n) {
    pplx::sample("z", dist::Normal(pplx::param("m", torch::zeros({2})).narrow(0, 0, n), 1.0).to_event(1));
  };
  pplx::infer::SVI numbers(counted, counted_guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)),
                           pplx::infer::TraceELBO(), pplx::infer::SVIOptions().cuda_graph(true));
  CHECK(std::isfinite(numbers.step(torch::zeros({2}), int64_t{2})));
}
