// SPDX-License-Identifier: Apache-2.0
#include <pplx/host_reads.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include <ATen/record_function.h>

namespace pplx {
namespace {

constexpr const char* kHostReadOps[] = {"aten::_local_scalar_dense",
                                        "aten::item",
                                        "aten::is_nonzero",
                                        "aten::nonzero",
                                        "aten::equal",
                                        "aten::allclose",
                                        "aten::masked_select",
                                        "aten::unique",
                                        "aten::_unique2",
                                        "aten::repeat_interleave"};

thread_local int g_reads = 0;
thread_local int g_depth = 0;

}  // namespace

bool is_host_read_op(const char* name) {
  return std::any_of(std::begin(kHostReadOps), std::end(kHostReadOps),
                     [&](const char* op) { return std::strcmp(op, name) == 0; });
}

int count_host_reads(const std::function<void()>& fn) {
  g_reads = 0;
  g_depth = 0;
  auto handle =
      at::addThreadLocalCallback(at::RecordFunctionCallback(
                                     [](const at::RecordFunction& f) -> std::unique_ptr<at::ObserverContext> {
                                       if (is_host_read_op(f.name()) && g_depth++ == 0) ++g_reads;
                                       return nullptr;
                                     },
                                     [](const at::RecordFunction& f, at::ObserverContext*) {
                                       if (is_host_read_op(f.name())) --g_depth;
                                     })
                                     .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  struct Remove {  // also when fn throws
    at::CallbackHandle handle;
    ~Remove() { at::removeCallback(handle); }
  } remove{handle};
  fn();
  return g_reads;
}

}  // namespace pplx
