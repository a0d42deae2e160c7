// SPDX-License-Identifier: Apache-2.0
// Counts the ATen operators one step dispatches (top level only: an op's internal calls are not
// counted), forward and backward. On small models the framework's overhead is mostly extra ops,
// so "which ops does pplx run that the hand-written loop does not" is where to look first.
//
// The same hook counts host-device synchronisations: calls, at any depth, to the operators that
// must read a tensor's value on the host (an .item(), a bool read, nonzero...). On a GPU each one
// drains the queue of kernels the host has run ahead with, so a step costs CPU time plus GPU time.
// They are counted on the CPU too, where the ops are the same but cost nothing extra.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include <ATen/record_function.h>

#include <pplx/host_reads.h>

#include "bench.h"

namespace pplx_bench {
namespace {

struct Counts {
  std::map<std::string, int> ops;       ///< top-level operators by name
  int syncs = 0;                        ///< outermost host-reading operators, at any depth
  std::map<std::string, int> sync_ops;  ///< the same, by name
};

thread_local Counts* g_sink = nullptr;
thread_local int g_depth = 0;
thread_local int g_sync_depth = 0;

Counts count_ops(const Step& step) {
  Counts counts;
  g_sink = &counts;
  g_depth = 0;
  g_sync_depth = 0;
  auto handle =
      at::addThreadLocalCallback(at::RecordFunctionCallback(
                                     [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
                                       if (g_depth++ == 0 && g_sink) ++g_sink->ops[fn.name()];
                                       if (pplx::is_host_read_op(fn.name())) {
                                         if (g_sync_depth == 0 && g_sink)
                                           ++g_sink->syncs, ++g_sink->sync_ops[fn.name()];
                                         ++g_sync_depth;
                                       }
                                       return nullptr;
                                     },
                                     [](const at::RecordFunction& fn, at::ObserverContext*) {
                                       --g_depth;
                                       if (pplx::is_host_read_op(fn.name())) --g_sync_depth;
                                     })
                                     .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  step();
  at::removeCallback(handle);
  g_sink = nullptr;
  return counts;
}

int total(const std::map<std::string, int>& m) {
  int n = 0;
  for (const auto& kv : m) n += kv.second;
  return n;
}

}  // namespace

void report_ops(const std::string& workload, const Step& pplx, const Step& raw, bool detail) {
  const Counts p = count_ops(pplx), r = count_ops(raw);
  std::printf("ops: %s pplx=%d raw=%d per step (ATen ops, forward + backward)\n", workload.c_str(), total(p.ops),
              total(r.ops));
  std::printf("syncs: %s pplx=%d raw=%d per step (host reads of tensor values: item, nonzero, equal, ...)\n",
              workload.c_str(), p.syncs, r.syncs);
  if (detail) {
    std::map<std::string, int> diff;
    for (const auto& kv : p.ops) diff[kv.first] += kv.second;
    for (const auto& kv : r.ops) diff[kv.first] -= kv.second;
    for (const auto& kv : diff)
      if (kv.second != 0) std::printf("ops:   %+d %s\n", kv.second, kv.first.c_str());
    for (const auto& kv : p.sync_ops) std::printf("syncs:   pplx %d %s\n", kv.second, kv.first.c_str());
  }
  std::fflush(stdout);
}

}  // namespace pplx_bench
