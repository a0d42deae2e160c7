// SPDX-License-Identifier: Apache-2.0
// Per-thread state (issue #7): the handler stack and the default param store are per thread, and
// a seed handler gives each fit its own generator, so N fits in N threads give, bit for bit, what
// each gives alone.
#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

#include "reliability/thread_fit.h"

namespace h = pplx::handlers;

namespace {

void check_bitwise_equal(const pplx_test::FitResult& a, const pplx_test::FitResult& b) {
  REQUIRE(a.names == b.names);
  for (size_t i = 0; i < a.values.size(); ++i) {
    CAPTURE(a.names[i]);
    CHECK(torch::equal(a.values[i], b.values[i]));
  }
  CHECK(a.losses == b.losses);
}

// Runs fits 0..n-1 concurrently, one thread each, all released at once.
std::vector<pplx_test::FitResult> run_concurrently(int n, const pplx_test::FitConfig& config) {
  std::vector<pplx_test::FitResult> results(n);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int k = 0; k < n; ++k) {
    threads.emplace_back([&, k] {
      ++ready;
      while (ready.load() < n) std::this_thread::yield();
      results[k] = pplx_test::fit(k, config);
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace

TEST_CASE("threads: handler stacks and default param stores are per thread") {
  pplx::clear_param_store();
  auto outer = h::trace();
  pplx::param("main_thread_param", torch::zeros({}));
  size_t other_stack = 99;
  bool other_sees_param = true;
  std::thread t([&] {
    other_stack = pplx::handler_stack().size();
    other_sees_param = pplx::get_param_store().contains("main_thread_param");
    pplx::param("worker_param", torch::ones({}));  // goes to the worker's own default store
  });
  t.join();
  CHECK(other_stack == 0);
  CHECK_FALSE(other_sees_param);
  CHECK_FALSE(pplx::get_param_store().contains("worker_param"));
  CHECK(outer.get_trace().size() == 1);  // the worker's param did not reach this thread's trace
}

TEST_CASE("threads: 8 concurrent fits equal the same fits run alone, bit for bit") {
  pplx::clear_param_store();
  torch::manual_seed(0);
  const int default_threads = at::get_num_threads();
  int worker_threads = 0;
  for (const bool large : {false, true}) {
    CAPTURE(large);
    // The large case runs with two intra-op threads whatever the machine's default, so that the
    // comparison covers reductions LibTorch splits across threads.
    at::set_num_threads(large ? 2 : default_threads);
    // Small: 64 points, minibatches of 16 (subsample indices drawn from the seed handler's
    // generator). Large: 40000 points, no subsampling: big enough for LibTorch to split
    // reductions across its intra-op threads.
    pplx_test::FitConfig config;
    config.num_data = large ? 40000 : 64;
    config.subsample_size = large ? 40000 : 16;
    config.steps = large ? 30 : 100;

    std::vector<pplx_test::FitResult> alone;
    for (int k = 0; k < 8; ++k) alone.push_back(pplx_test::fit(k, config));
    // The fits differ from each other, so equality below is not trivially true.
    for (int k = 1; k < 8; ++k) CHECK_FALSE(torch::equal(alone[k].values[0], alone[0].values[0]));

    auto together = run_concurrently(8, config);
    if (large) std::thread([&] { worker_threads = at::get_num_threads(); }).join();
    for (int k = 0; k < 8; ++k) {
      CAPTURE(k);
      check_bitwise_equal(alone[k], together[k]);
    }
  }
  // Whether torch::set_num_threads(1) is needed in the workers: it is not, because LibTorch splits
  // an op into chunks by grain size and thread count, and worker threads use the same intra-op
  // thread count as this one, so every reduction adds in the same order.
  CHECK(worker_threads == 2);
  at::set_num_threads(default_threads);
  MESSAGE(
      "8 concurrent fits matched the sequential ones bit for bit without set_num_threads(1) in the "
      "workers (large case: 2 intra-op threads in main and workers; default here: "
      << default_threads << ")");
  // Nothing leaked into this thread: no handlers, an empty default store.
  CHECK(pplx::handler_stack().empty());
  CHECK(pplx::get_param_store().size() == 0);
}
