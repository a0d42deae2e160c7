// SPDX-License-Identifier: Apache-2.0
#include <thread>

#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

namespace {
torch::Tensor draw_two() {
  auto a = pplx::sample("a", dist::Normal(torch::zeros({4}), 1.0));
  auto b = pplx::sample("b", dist::Normal(torch::zeros({4}), 1.0));
  return torch::cat({a, b});
}
}  // namespace

TEST_CASE("seed: the same seed gives the same draws, another seed other draws") {
  auto x = h::seed(draw_two, 7)();
  auto y = h::seed(draw_two, 7)();
  auto z = h::seed(draw_two, 8)();
  CHECK(torch::equal(x, y));
  CHECK_FALSE(torch::equal(x, z));
}

TEST_CASE("seed: does not consume or depend on LibTorch's global generator") {
  torch::manual_seed(123);
  auto before = torch::randn({3});
  torch::manual_seed(123);
  auto seeded = h::seed(draw_two, 7)();
  auto after = torch::randn({3});
  CHECK(torch::equal(before, after));
  torch::manual_seed(999);
  CHECK(torch::equal(seeded, h::seed(draw_two, 7)()));
}

TEST_CASE("seed: the innermost seed wins, plate subsamples are seeded too") {
  auto inner_only = h::seed(draw_two, 5)();
  auto nested = h::seed(h::seed(draw_two, 5), 6)();
  CHECK(torch::equal(inner_only, nested));
  auto idx = [] {
    pplx::plate p("p", 1000, 10);
    return p.indices();
  };
  CHECK(torch::equal(h::seed(idx, 1)(), h::seed(idx, 1)()));
  CHECK_FALSE(torch::equal(h::seed(idx, 1)(), h::seed(idx, 2)()));
}

TEST_CASE("seed: seeded runs in different threads agree with a run alone") {
  auto alone = h::seed(draw_two, 42)();
  std::vector<torch::Tensor> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&results, i] {
      for (int k = 0; k < 50; ++k) results[i] = h::seed(draw_two, 42)();
    });
  for (auto& t : threads) t.join();
  for (const auto& r : results) CHECK(torch::equal(r, alone));
}
