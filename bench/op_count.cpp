// SPDX-License-Identifier: Apache-2.0
// Counts the ATen operators one step dispatches (top level only: an op's internal calls are not
// counted), forward and backward. On small models the framework's overhead is mostly extra ops,
// so "which ops does pplx run that the hand-written loop does not" is where to look first.
#include <cstdio>
#include <map>
#include <string>

#include <ATen/record_function.h>

#include "bench.h"

namespace pplx_bench {
namespace {

thread_local std::map<std::string, int>* g_sink = nullptr;
thread_local int g_depth = 0;

std::map<std::string, int> count_ops(const Step& step) {
  std::map<std::string, int> counts;
  g_sink = &counts;
  g_depth = 0;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(
          [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
            if (g_depth++ == 0 && g_sink) ++(*g_sink)[fn.name()];
            return nullptr;
          },
          [](const at::RecordFunction&, at::ObserverContext*) { --g_depth; })
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
  const auto p = count_ops(pplx), r = count_ops(raw);
  std::printf("ops: %s pplx=%d raw=%d per step (ATen ops, forward + backward)\n", workload.c_str(), total(p),
              total(r));
  if (detail) {
    std::map<std::string, int> diff;
    for (const auto& kv : p) diff[kv.first] += kv.second;
    for (const auto& kv : r) diff[kv.first] -= kv.second;
    for (const auto& kv : diff)
      if (kv.second != 0) std::printf("ops:   %+d %s\n", kv.second, kv.first.c_str());
  }
  std::fflush(stdout);
}

}  // namespace pplx_bench
