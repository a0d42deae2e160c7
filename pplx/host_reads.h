// SPDX-License-Identifier: Apache-2.0
// Host reads: the operators that need a tensor's value on the host, which on a GPU wait for the
// device to catch up (a host-device synchronisation). One list for the bench, the tests and the
// CUDA-graph probe.
#pragma once

#include <functional>

namespace pplx {

/// Whether the ATen operator `name` (as at::RecordFunction names it, e.g. "aten::item") reads a
/// tensor's value on the host: _local_scalar_dense, item, is_nonzero, nonzero, equal, allclose,
/// masked_select, unique, _unique2, repeat_interleave (their output shape or value depends on
/// data). Errors: none. Source: PyTorch's list of synchronizing ops (torch.cuda.set_sync_debug_mode).
///
///   if (pplx::is_host_read_op(fn.name())) ++syncs;
bool is_host_read_op(const char* name);

/// Runs `fn` and returns how many host-reading operators (is_host_read_op) it dispatched on the
/// calling thread, forward and backward; nested ones count once (item() calls
/// _local_scalar_dense). Operators run on other threads (the autograd engine's device threads)
/// are not seen. What pplx_bench reports as `syncs:` and the tests bound.
///
///   CHECK(pplx::count_host_reads([&] { svi.step(x, y); }) == 1);
int count_host_reads(const std::function<void()>& fn);

}  // namespace pplx
