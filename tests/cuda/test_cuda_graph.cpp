// SPDX-License-Identifier: Apache-2.0
// SVIOptions().cuda_graph(true) on a GPU: with the same seed, the graph steps compute the eager
// steps' losses and parameters (float rounding apart) for a regression, a subsampled plate, shape
// changes, replaced parameters, schedulers and step_async; what a graph cannot replay (RMSprop,
// handlers::seed) runs eagerly and says why; a replay reads nothing but its loss. The suite's main
// exits with CTest's skip code without a CUDA device.
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <ATen/record_function.h>
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

#include "fixtures.h"

// A named namespace around everything: the suite is compiled as a unity batch with
// test_cuda_end_to_end.cpp, whose helpers have the same names.
namespace cuda_graph_test {

namespace dist = pplx::distributions;
namespace infer = pplx::infer;

namespace {

const torch::Device kGpu(torch::kCUDA, 0);
const auto kOpts = torch::TensorOptions().dtype(torch::kFloat).device(kGpu);

struct Data {
  torch::Tensor x, y;
};

Data make_data(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  Data d;
  d.x = torch::randn({n, 3}, kOpts);
  d.y = d.x.matmul(torch::tensor({1.0f, -2.0f, 0.5f}, kOpts)) + 0.3f + 0.5f * torch::randn({n}, kOpts);
  return d;
}

// Bayesian linear regression: three latent sites (one positive), a plate over the data.
void regression_model(const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({3}, kOpts), 1.0).to_event(1));
  auto b = pplx::sample("b", dist::Normal(torch::zeros({}, kOpts), 1.0));
  auto s = pplx::sample("s", dist::LogNormal(torch::zeros({}, kOpts), 1.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().device(kGpu));
  pplx::sample("y", dist::Normal(x.matmul(w) + b, s), y);
}
void regression_guide(const torch::Tensor&, const torch::Tensor&) {
  auto w_loc = pplx::param("w_loc", torch::zeros({3}, kOpts));
  auto w_scale = pplx::param("w_scale", torch::full({3}, 0.1, kOpts), pplx::constraints::positive);
  pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
  auto b_loc = pplx::param("b_loc", torch::zeros({}, kOpts));
  auto b_scale = pplx::param("b_scale", torch::full({}, 0.1, kOpts), pplx::constraints::positive);
  pplx::sample("b", dist::Normal(b_loc, b_scale));
  auto s_loc = pplx::param("s_loc", torch::zeros({}, kOpts));
  auto s_scale = pplx::param("s_scale", torch::full({}, 0.1, kOpts), pplx::constraints::positive);
  pplx::sample("s", dist::LogNormal(s_loc, s_scale));
}

// The same regression, 32 of the data points per step (indices drawn on the GPU in the graph).
void subsampled_model(const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({3}, kOpts), 1.0).to_event(1));
  auto b = pplx::sample("b", dist::Normal(torch::zeros({}, kOpts), 1.0));
  auto s = pplx::sample("s", dist::LogNormal(torch::zeros({}, kOpts), 1.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().subsample_size(32).device(kGpu));
  pplx::sample("y", dist::Normal(data.subsample(x).matmul(w) + b, s), data.subsample(y));
}

struct Outcome {
  std::vector<double> losses;
  std::map<std::string, torch::Tensor> params;  // unconstrained, on the CPU
  infer::CudaGraphStats stats;
};

// Seeds, trains with `steps(svi, losses)`, and collects losses, parameters and graph stats.
template <class Model, class Guide, class Optim, class Steps>
Outcome train(Model model, Guide guide, Optim optim, bool graph, Steps&& steps,
              infer::SVIOptions options = infer::SVIOptions()) {
  pplx::clear_param_store();
  torch::manual_seed(42);
  options.cuda_graph(graph);
  infer::SVI svi(model, guide, std::move(optim), infer::TraceELBO(), options);
  Outcome out;
  steps(svi, out.losses);
  auto& store = pplx::get_param_store();
  for (const auto& name : store.names()) out.params[name] = store.get_unconstrained(name).detach().cpu().clone();
  out.stats = svi.cuda_graph_stats();
  return out;
}

void check_same_numbers(const Outcome& graph, const Outcome& eager) {
  REQUIRE(graph.losses.size() == eager.losses.size());
  for (size_t i = 0; i < graph.losses.size(); ++i) {
    CAPTURE(i);
    if (!std::isfinite(eager.losses[i])) {
      CHECK((graph.losses[i] == eager.losses[i] || (std::isnan(graph.losses[i]) && std::isnan(eager.losses[i]))));
    } else {
      CHECK(graph.losses[i] == doctest::Approx(eager.losses[i]).epsilon(1e-4));
    }
  }
  REQUIRE(graph.params.size() == eager.params.size());
  for (const auto& [name, value] : eager.params) {
    INFO(name << ": graph " << graph.params.at(name) << " eager " << value);
    CHECK(torch::allclose(graph.params.at(name), value, 1e-4, 1e-5));
  }
}

auto adam() { return pplx::optim::Adam(torch::optim::AdamOptions(0.02)); }

std::string temp_file(const std::string& tag) {
  return (std::filesystem::temp_directory_path() / ("pplx_graph_" + tag + "_" + std::to_string(::getpid()) + ".pplx"))
      .string();
}

}  // namespace

TEST_CASE("cuda graph: graph steps compute the eager steps' losses and parameters") {
  REQUIRE(infer::cuda_graphs_available());
  const Data d = make_data(200, 1);
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 20; ++i) losses.push_back(svi.step(d.x, d.y));
  };
  SUBCASE("Adam") {
    const Outcome eager = train(regression_model, regression_guide, adam(), false, steps);
    const Outcome graph = train(regression_model, regression_guide, adam(), true, steps);
    check_same_numbers(graph, eager);
    // 2 eager warm-up steps, 1 probe, then one capture replayed from step 4 on.
    CHECK(graph.stats.eager_steps == 2);
    CHECK(graph.stats.probe_steps == 1);
    CHECK(graph.stats.captures == 1);
    CHECK(graph.stats.replays == 17);
    CHECK(graph.stats.last_fallback.empty());
  }
  SUBCASE("ClippedAdam with learning-rate decay") {
    auto clipped = [] {
      return pplx::optim::ClippedAdam(pplx::optim::ClippedAdamOptions(0.02).lrd(0.99).clip_norm(2.0));
    };
    const Outcome eager = train(regression_model, regression_guide, clipped(), false, steps);
    const Outcome graph = train(regression_model, regression_guide, clipped(), true, steps);
    check_same_numbers(graph, eager);
    CHECK(graph.stats.replays == 17);
  }
  SUBCASE("SGD with momentum") {
    auto sgd = [] { return pplx::optim::SGD(torch::optim::SGDOptions(1e-4).momentum(0.9)); };
    const Outcome eager = train(regression_model, regression_guide, sgd(), false, steps);
    const Outcome graph = train(regression_model, regression_guide, sgd(), true, steps);
    check_same_numbers(graph, eager);
    CHECK(graph.stats.replays == 17);
  }
}

TEST_CASE("cuda graph: a subsampled plate draws its indices inside the graph") {
  const Data d = make_data(500, 2);
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 15; ++i) losses.push_back(svi.step(d.x, d.y));
  };
  const Outcome eager = train(subsampled_model, regression_guide, adam(), false, steps);
  const Outcome graph = train(subsampled_model, regression_guide, adam(), true, steps);
  INFO("fallback: " << graph.stats.last_fallback);
  check_same_numbers(graph, eager);
  CHECK(graph.stats.replays == 12);
}

TEST_CASE("cuda graph: each argument shape gets its own graph, and alternating shapes replay both") {
  const Data big = make_data(128, 3), small = make_data(40, 4);
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 24; ++i) {
      const Data& d = i % 3 == 2 ? small : big;  // e.g. the last, smaller batch of an epoch
      losses.push_back(svi.step(d.x, d.y));
    }
  };
  const Outcome eager = train(regression_model, regression_guide, adam(), false, steps);
  const Outcome graph = train(regression_model, regression_guide, adam(), true, steps);
  check_same_numbers(graph, eager);
  CHECK(graph.stats.captures == 2);
  CHECK(graph.stats.replays > 12);
}

TEST_CASE("cuda graph: new values in the same argument buffers, and a scheduler between replays") {
  std::vector<Data> batches;
  for (int k = 0; k < 4; ++k) batches.push_back(make_data(64, 10 + k));
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    pplx::optim::ExponentialLR sched(svi.optimizer(), 0.8);
    for (int i = 0; i < 20; ++i) {
      const Data& d = batches[i % batches.size()];
      losses.push_back(svi.step(d.x, d.y));
      if (i % 5 == 4) sched.step();
    }
  };
  const Outcome eager = train(regression_model, regression_guide, adam(), false, steps);
  const Outcome graph = train(regression_model, regression_guide, adam(), true, steps);
  check_same_numbers(graph, eager);
  CHECK(graph.stats.captures == 1);
}

TEST_CASE("cuda graph: parameters replaced in the store are noticed before the next replay") {
  const Data d = make_data(100, 5);
  const std::string path = temp_file("store");
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 16; ++i) {
      if (i == 8) {
        auto& store = pplx::get_param_store();
        store.save(path);
        store.load(path, kGpu);  // new tensors behind the same names
      }
      losses.push_back(svi.step(d.x, d.y));
    }
  };
  const Outcome eager = train(regression_model, regression_guide, adam(), false, steps);
  const Outcome graph = train(regression_model, regression_guide, adam(), true, steps);
  check_same_numbers(graph, eager);
  CHECK(graph.stats.captures == 2);  // probed and captured again after the load
  std::filesystem::remove(path);
}

TEST_CASE("cuda graph: step_async returns copies that later replays leave alone") {
  const Data d = make_data(100, 6);
  std::vector<torch::Tensor> kept;
  auto async_steps = [&](auto& svi, std::vector<double>& losses) {
    kept.clear();
    for (int i = 0; i < 12; ++i) kept.push_back(svi.step_async(d.x, d.y));
    for (const auto& l : kept) losses.push_back(l.item<double>());
  };
  const Outcome eager = train(regression_model, regression_guide, adam(), false, async_steps);
  const Outcome graph = train(regression_model, regression_guide, adam(), true, async_steps);
  check_same_numbers(graph, eager);
  CHECK(graph.stats.replays == 9);
  for (const auto& l : kept) CHECK(l.device() == kGpu);
}

TEST_CASE("cuda graph: a replay reads nothing on the host but the loss step() returns") {
  pplx::clear_param_store();
  const Data d = make_data(100, 7);
  infer::SVI svi(regression_model, regression_guide, adam(), infer::TraceELBO(), infer::SVIOptions().cuda_graph(true));
  for (int i = 0; i < 5; ++i) svi.step(d.x, d.y);
  REQUIRE(svi.cuda_graph_stats().replays == 2);
  CHECK(pplx::count_host_reads([&] { svi.step(d.x, d.y); }) == 1);
  CHECK(pplx::count_host_reads([&] { svi.step_async(d.x, d.y); }) == 0);
  const Data other = make_data(100, 8);  // new values: copied into the graph's buffers, no read
  CHECK(pplx::count_host_reads([&] { svi.step_async(other.x, other.y); }) == 0);
  CHECK(svi.cuda_graph_stats().replays == 5);
}

TEST_CASE("cuda graph: a non-finite loss in a replay skips the update on the device") {
  const Data d = make_data(100, 9);
  Data bad = d;
  bad.y = d.y.clone();
  bad.y[3] = std::numeric_limits<float>::infinity();  // a valid real number whose density is 0
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 12; ++i) losses.push_back(svi.step(d.x, i == 8 ? bad.y : d.y));
  };
  const auto skip = infer::SVIOptions().skip_non_finite(true);
  const Outcome eager = train(regression_model, regression_guide, adam(), false, steps, skip);
  const Outcome graph = train(regression_model, regression_guide, adam(), true, steps, skip);
  CHECK(std::isinf(graph.losses[8]));
  check_same_numbers(graph, eager);
  CHECK(graph.stats.replays == 9);

  // Without skip_non_finite the error names the site, as an eager step's does.
  pplx::clear_param_store();
  infer::SVI svi(regression_model, regression_guide, adam(), infer::TraceELBO(), infer::SVIOptions().cuda_graph(true));
  for (int i = 0; i < 5; ++i) svi.step(d.x, d.y);
  REQUIRE(svi.cuda_graph_stats().replays == 2);
  CHECK_THROWS_WITH_AS(svi.step(d.x, bad.y), doctest::Contains("'y'"), pplx::infer::NonFiniteLossError);
  CHECK(std::isfinite(svi.step(d.x, d.y)));
}

TEST_CASE("cuda graph: a validation check that fails in a replay throws its own error") {
  pplx::clear_param_store();
  auto model = [](const torch::Tensor& scale) {
    auto mu = pplx::sample("mu", dist::Normal(torch::zeros({}, kOpts), 1.0));
    pplx::sample("y", dist::Normal(mu, scale), torch::full({}, 0.3, kOpts));
  };
  auto guide = [](const torch::Tensor&) {
    pplx::sample("mu", dist::Normal(pplx::param("loc", torch::zeros({}, kOpts)), 1.0));
  };
  infer::SVI svi(model, guide, adam(), infer::TraceELBO(), infer::SVIOptions().cuda_graph(true));
  for (int i = 0; i < 5; ++i) svi.step(torch::full({}, 2.0, kOpts));
  REQUIRE(svi.cuda_graph_stats().replays == 2);
  const auto bad = torch::full({}, -2.0, kOpts);
  const std::string direct = fixtures::error_message([&] { dist::Normal(0.0, bad); });
  CHECK_THROWS_AS(svi.step(bad), pplx::ValueError);
  REQUIRE(direct.find("violates constraint") != std::string::npos);
  CHECK(fixtures::error_message([&] { svi.step(bad); }) == direct);
  CHECK(std::isnan(svi.step_async(bad).item<double>()));
  CHECK(std::isfinite(svi.step(torch::full({}, 2.0, kOpts))));
}

TEST_CASE("cuda graph: what a graph cannot replay runs eagerly, says why, and keeps the eager numbers") {
  const Data d = make_data(100, 11);
  auto steps = [&](auto& svi, std::vector<double>& losses) {
    for (int i = 0; i < 8; ++i) losses.push_back(svi.step(d.x, d.y));
  };
  SUBCASE("an optimizer without a graph-safe update") {
    auto rmsprop = [] { return pplx::optim::RMSprop(torch::optim::RMSpropOptions(0.01)); };
    const Outcome eager = train(regression_model, regression_guide, rmsprop(), false, steps);
    const Outcome graph = train(regression_model, regression_guide, rmsprop(), true, steps);
    check_same_numbers(graph, eager);
    CHECK(graph.stats.replays == 0);
    CHECK(graph.stats.eager_steps == 8);
    CHECK(graph.stats.last_fallback.find("RMSprop") != std::string::npos);
  }
  SUBCASE("handlers::seed, whose CPU generator's draws are copied to the GPU") {
    auto seeded_model = pplx::handlers::seed(regression_model, 7);
    auto seeded_guide = pplx::handlers::seed(regression_guide, 7);
    const Outcome eager = train(seeded_model, seeded_guide, adam(), false, steps);
    const Outcome graph = train(seeded_model, seeded_guide, adam(), true, steps);
    check_same_numbers(graph, eager);
    CHECK(graph.stats.replays == 0);
    CHECK(graph.stats.last_fallback.find("handlers::seed") != std::string::npos);
  }
  SUBCASE("handlers around svi.step()") {
    auto scaled_steps = [&](auto& svi, std::vector<double>& losses) {
      auto scale = pplx::handlers::scale(0.5);
      for (int i = 0; i < 8; ++i) losses.push_back(svi.step(d.x, d.y));
    };
    const Outcome eager = train(regression_model, regression_guide, adam(), false, scaled_steps);
    const Outcome graph = train(regression_model, regression_guide, adam(), true, scaled_steps);
    check_same_numbers(graph, eager);
    CHECK(graph.stats.replays == 0);
    CHECK(graph.stats.last_fallback.find("handlers") != std::string::npos);
  }
}

}  // namespace cuda_graph_test
