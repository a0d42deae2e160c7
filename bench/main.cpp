// SPDX-License-Identifier: Apache-2.0
// pplx_bench: each workload written with pplx and by hand in LibTorch (the same sites, densities,
// noise and Adam), timed alternately in one process. The ratio is pplx's framework overhead.
//
//   build/bench/pplx_bench                      # every workload, one thread
//   build/bench/pplx_bench --quick              # smoke run, a few steps each
//   build/bench/pplx_bench --workload bnn --steps 50 --threads 2
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <pplx/validation.h>

#include "bench.h"

namespace pplx_bench {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int64_t status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return std::atoll(line.c_str() + prefix.size());
  return -1;
}

}  // namespace

Timing time_alternating(const Step& pplx, const Step& raw, int64_t warmup, int64_t steps, int64_t block) {
  using clock = std::chrono::steady_clock;
  for (int64_t i = 0; i < warmup; ++i) {
    pplx();
    raw();
  }
  std::vector<double> tp, tr;
  tp.reserve(steps);
  tr.reserve(steps);
  auto run = [](const Step& step, std::vector<double>& out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      auto t0 = clock::now();
      step();  // returns loss.item(): the step has finished, also on CUDA
      out.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    }
  };
  // Alternate in blocks, swapping which variant goes first, so that slow phases of a loaded
  // machine hit both variants alike.
  for (int64_t done = 0, round = 0; done < steps; done += block, ++round) {
    const int64_t n = std::min(block, steps - done);
    if (round % 2 == 0) {
      run(pplx, tp, n);
      run(raw, tr, n);
    } else {
      run(raw, tr, n);
      run(pplx, tp, n);
    }
  }
  return {median(tp), median(tr)};
}

double check_same_math(const std::string& workload, const Step& pplx, const Step& raw, int n) {
  std::vector<double> lp, lr;
  torch::manual_seed(20240601);
  for (int i = 0; i < n; ++i) lp.push_back(pplx());
  torch::manual_seed(20240601);
  for (int i = 0; i < n; ++i) lr.push_back(raw());
  double worst = 0;
  for (int i = 0; i < n; ++i) worst = std::max(worst, std::abs(lp[i] - lr[i]) / std::max(1.0, std::abs(lr[i])));
  std::printf("check: %s first %d losses pplx=%.6g..%.6g raw=%.6g..%.6g max_rel_diff=%.3g%s\n", workload.c_str(), n,
              lp.front(), lp.back(), lr.front(), lr.back(), worst,
              worst < 1e-4 ? "" : "  WARNING: the two versions do not compute the same numbers");
  std::fflush(stdout);
  return worst;
}

void report(const std::string& name, const Timing& t) {
  std::printf("bench: %s pplx_ms=%.4g raw_ms=%.4g ratio=%.3f\n", name.c_str(), t.pplx_ms, t.raw_ms,
              t.raw_ms > 0 ? t.pplx_ms / t.raw_ms : 0.0);
  std::fflush(stdout);
}

void report_graph(const Options& o, const std::string& workload, const Step& graph, const GraphSummary& summary,
                  const Step& raw, int check_steps, int64_t warmup, int64_t steps, int64_t block) {
  if (!o.device.is_cuda()) return;
  const std::string name = workload + "_graph";
  check_same_math(name, graph, raw, check_steps);
  report(name, time_alternating(graph, raw, warmup, steps, block));
  std::printf("check: %s %s\n", name.c_str(), summary().c_str());
  std::fflush(stdout);
}

int64_t vm_hwm_kb() { return status_kb("VmHWM"); }
int64_t vm_rss_kb() { return status_kb("VmRSS"); }

}  // namespace pplx_bench

namespace pplx_bench {
void run_autoguide_regression(const Options& o);  // autoguide_regression.cpp: AutoNormal vs a hand-written guide
}  // namespace pplx_bench

namespace {

const char* kUsage =
    "usage: pplx_bench [--workload NAME] [--steps N] [--quick] [--threads N] [--device cpu|cuda]\n"
    "  workloads: tiny_regression many_sites bnn site_overhead memory autoguide_regression (default: all)\n"
    "  --steps N    timed steps per variant (default depends on the workload)\n"
    "  --quick      a few steps per workload (smoke run)\n"
    "  --threads N  torch::set_num_threads (default 1)\n"
    "  --no-validation  pplx::enable_validation(false) (pplx validates by default)\n"
    "  --default-malloc  keep glibc's mmap/trim thresholds (see main.cpp)\n"
    "  --ops        list the operators whose count per step differs between pplx and raw\n";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "pplx_bench: %s\n%s", what.c_str(), kUsage);
  std::exit(2);
}

int64_t parse_int(const std::string& flag, const char* v) {
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (end == v || *end != '\0' || n < 1) usage_error(flag + " needs a positive integer, got '" + v + "'");
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  pplx_bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--default-malloc") o.default_malloc = true;
    else if (a == "--no-validation") o.validation = false;
    else if (a == "--ops") o.ops_detail = true;
    else if (a == "--steps") o.steps = parse_int(a, value());
    else if (a == "--threads") o.threads = static_cast<int>(parse_int(a, value()));
    else if (a == "--workload") o.workload = value();
    else if (a == "--device") {
      const std::string d = value();
      if (d == "cpu") o.device = c10::kCPU;
      else if (d == "cuda") {
        if (!torch::cuda::is_available()) {
          std::fprintf(stderr,
                       "pplx_bench: --device cuda: CUDA is not available (this LibTorch build has no CUDA "
                       "support or no GPU is visible); run without --device or with --device cpu\n");
          return 2;
        }
        o.device = c10::kCUDA;
      } else usage_error("--device must be cpu or cuda, got '" + d + "'");
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else usage_error("unknown argument '" + a + "'");
  }
  const std::vector<std::string> all = {"tiny_regression", "many_sites", "bnn",
                                        "site_overhead",   "memory",     "autoguide_regression"};
  if (!o.workload.empty() && std::find(all.begin(), all.end(), o.workload) == all.end())
    usage_error("unknown workload '" + o.workload + "'");
  torch::set_num_threads(o.threads);
  pplx::enable_validation(o.validation);
  if (!o.default_malloc) {
    // glibc serves blocks over 128 kB-32 MB with mmap and returns them on free, so a step that
    // frees its 3 MB BNN tensors page-faults them in again (zeroed by the kernel) next step. Which
    // side that hits depends on how long each keeps tensors alive (pplx's ELBO keeps its last
    // traces), and it measured up to 2x on bnn, swamping the framework's cost. Keeping freed
    // memory in the heap makes both sides reuse it, as a caching allocator (CUDA's) would.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  }
  std::printf("bench: config device=%s threads=%d quick=%d validation=%d malloc=%s\n", o.device.str().c_str(),
              at::get_num_threads(), o.quick ? 1 : 0, o.validation ? 1 : 0, o.default_malloc ? "default" : "retain");
  auto want = [&](const char* w) { return o.workload.empty() || o.workload == w; };
  try {
    if (want("tiny_regression")) pplx_bench::run_tiny_regression(o);
    if (want("many_sites")) pplx_bench::run_many_sites(o);
    if (want("bnn")) pplx_bench::run_bnn(o);
    if (want("site_overhead")) pplx_bench::run_site_overhead(o);
    if (want("memory")) pplx_bench::run_memory(o);
    if (want("autoguide_regression")) pplx_bench::run_autoguide_regression(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pplx_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
