// SPDX-License-Identifier: Apache-2.0
// Shared pieces of pplx_bench: command-line options, the alternating timer, and the workloads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <c10/core/Device.h>

namespace pplx_bench {

/// Command-line options (see main.cpp for the flags).
struct Options {
  c10::Device device = c10::kCPU;
  int threads = 1;
  int64_t steps = 0;  ///< timed steps per variant; 0: the workload's default
  bool quick = false;
  bool validation = true;       ///< pplx::enable_validation
  bool default_malloc = false;  ///< keep glibc's mmap/trim thresholds
  bool ops_detail = false;      ///< print the per-operator difference of one step
  std::string workload;         ///< empty: all
};

/// Median ms per step of the two variants of one workload.
struct Timing {
  double pplx_ms = 0;
  double raw_ms = 0;
};

/// One training step; returns the loss.
using Step = std::function<double()>;

/// Runs `pplx` and `raw` alternately in blocks of `block` steps after `warmup` steps of each, and
/// returns the median wall time per step of each. Alternating in one process puts both under the
/// same machine load, caches and allocator state.
Timing time_alternating(const Step& pplx, const Step& raw, int64_t warmup, int64_t steps, int64_t block);

/// Seeds LibTorch, runs `n` steps of `pplx`, reseeds, runs `n` of `raw`, and prints the largest
/// relative difference of their losses: both must draw the same noise and compute the same numbers.
/// Returns that difference.
double check_same_math(const std::string& workload, const Step& pplx, const Step& raw, int n);

/// Prints "ops: <workload> pplx=<n> raw=<m>": ATen operators dispatched by one step of each; with
/// `detail`, also each operator whose count differs.
void report_ops(const std::string& workload, const Step& pplx, const Step& raw, bool detail);

/// Prints "bench: <name> pplx_ms=.. raw_ms=.. ratio=..".
void report(const std::string& name, const Timing& t);

/// Describes what a CUDA-graph step's SVI did so far (captures, replays, why it ran eagerly).
using GraphSummary = std::function<std::string()>;

/// The "<workload>_graph" rows, printed with --device cuda only: a fresh pplx step with
/// SVIOptions().cuda_graph(true) (`graph`, described by `summary`) against a fresh raw loop
/// (`raw`): "check: <workload>_graph ..." (the same losses over `check_steps` steps), the timing
/// row "bench: <workload>_graph ..." and "check: <workload>_graph <summary>".
void report_graph(const Options& o, const std::string& workload, const Step& graph, const GraphSummary& summary,
                  const Step& raw, int check_steps, int64_t warmup, int64_t steps, int64_t block);

/// Peak and current resident set size of this process in kB (VmHWM, VmRSS of /proc/self/status).
int64_t vm_hwm_kb();
int64_t vm_rss_kb();

// The workloads (one file each). Each prints its own "bench:" lines.
void run_tiny_regression(const Options& o);
void run_many_sites(const Options& o);
void run_bnn(const Options& o);
void run_site_overhead(const Options& o);
void run_memory(const Options& o);
/// Prints "bench: trace_site_bytes=.." (part of the memory workload).
void print_trace_site_bytes(const Options& o);

/// A pplx + raw pair of steps for tiny_regression, shared by the timing and the memory workloads;
/// with `graph`, the pplx step uses SVIOptions().cuda_graph(true), described by `summary`.
struct TinyRegression {
  Step pplx;
  Step raw;
  GraphSummary summary;
};
TinyRegression make_tiny_regression(const Options& o, bool graph = false);

}  // namespace pplx_bench
