// SPDX-License-Identifier: Apache-2.0
// site_overhead: the cost of the effect-handler machinery alone (message construction, stack
// traversal, trace insertion), with a distribution whose draw and density do no tensor work.
// Also the memory a trace holds per site (part of the memory workload).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/distributions/normal.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/primitives.h>
#include <pplx/trace.h>

#include "bench.h"

namespace pplx_bench {
namespace {

namespace dist = pplx::distributions;

// Draws and scores a fixed tensor: no kernel runs, so only the machinery is timed.
class Trivial : public dist::Distribution {
 public:
  explicit Trivial(at::Tensor value) : Distribution({}, {}), value_(std::move(value)) {}
  std::string name() const override { return "Trivial"; }
  dist::DistPtr clone() const override { return std::make_shared<Trivial>(*this); }
  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef, dist::Generator) const override { return value_; }
  at::Tensor log_prob(const at::Tensor&) const override { return value_; }
  pplx::constraints::ConstraintPtr support() const override { return pplx::constraints::real; }
  dist::DistPtr expand(c10::IntArrayRef) const override { return clone(); }

 private:
  at::Tensor value_;
};

std::vector<std::string> site_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("z_" + std::to_string(i));
  return names;
}

// Best of `rounds` of `fn` (which runs `sites` sample sites), in ns per site. The minimum is the
// machinery's cost; the rest of a loaded machine's noise only ever adds to it.
template <class Fn>
double best_ns_per_site(int rounds, int sites, Fn fn) {
  using clock = std::chrono::steady_clock;
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::nano>(clock::now() - t0).count() / sites);
  }
  return best;
}

}  // namespace

void run_site_overhead(const Options& o) {
  const int sites = 1000, rounds = o.quick ? 20 : 200;
  const auto names = site_names(sites);
  const dist::DistPtr d = std::make_shared<Trivial>(at::zeros({}, at::TensorOptions().device(o.device)));
  auto model = [&] {
    for (const auto& name : names) pplx::sample(name, d);
  };
  pplx::Trace guide_trace = pplx::handlers::trace(model).get_trace();

  const double empty = best_ns_per_site(rounds, sites, model);
  const double traced = best_ns_per_site(rounds, sites, [&] {
    pplx::handlers::TraceMessenger tr;
    model();
  });
  const double trace_replay = best_ns_per_site(rounds, sites, [&] {
    pplx::handlers::TraceMessenger tr;
    pplx::handlers::ReplayMessenger rp(guide_trace);
    model();
  });
  std::printf("bench: site_overhead_empty ns_per_site=%.0f\n", empty);
  std::printf("bench: site_overhead_trace ns_per_site=%.0f\n", traced);
  std::printf("bench: site_overhead_trace_replay ns_per_site=%.0f\n", trace_replay);
  std::fflush(stdout);
}

void print_trace_site_bytes(const Options& o) {
  // A typical latent site: a scalar Normal draw named "z_<i>". The heap it holds is counted by
  // malloc (which also serves LibTorch's CPU allocator): the Site in the trace's vector and its
  // name-index entry, the distribution object, and the value tensor.
  const int sites = 10000;
  const auto names = site_names(sites);
  auto opts = at::TensorOptions().device(o.device);
  auto zero = at::zeros({}, opts), one = at::ones({}, opts);
  const size_t before = mallinfo2().uordblks;
  pplx::Trace trace;
  {
    pplx::handlers::TraceMessenger tr;
    for (const auto& name : names) pplx::sample(name, dist::Normal(zero, one));
    trace = tr.take_trace();
  }
  const size_t after = mallinfo2().uordblks;
  const double per_site = static_cast<double>(after - before) / trace.size();
  std::printf(
      "bench: trace_site_bytes=%.0f (sizeof(pplx::Site)=%zu; the rest is heap: name index, "
      "distribution, value tensor%s)\n",
      per_site, sizeof(pplx::Site), o.device.is_cpu() ? "" : "; device memory not counted");
  std::fflush(stdout);
}

}  // namespace pplx_bench
