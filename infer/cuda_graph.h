// SPDX-License-Identifier: Apache-2.0
// SVIOptions().cuda_graph(true): one whole SVI step (guide, model, ELBO, backward, optimizer update)
// captured as a CUDA graph and replayed, so that a step costs one graph launch instead of hundreds
// of kernel launches. Pyro has nothing like it; NumPyro gets it from jax.jit.
//
// How a step runs, per signature of its arguments (tensors: shape, dtype, device; numbers: value):
//   1. eager warm-up steps (2 for the first signature, 1 for later ones) create the parameters and
//      the optimizer state, as any step;
//   2. one probe step runs the exact code a graph captures (the optimizer's graph-safe update, the
//      validation verdicts folded into the loss), eagerly on a side stream, and checks that it
//      reads nothing on the host and copies nothing between host and device;
//   3. the next step captures that code as a graph and replays it; later steps copy their tensor
//      arguments into the graph's input buffers and replay it.
// Every step's numbers are the eager step's, up to float rounding, with the same seed: random
// draws use the default CUDA generator, which LibTorch makes graph-safe during capture.
//
// What a replay assumes, since it runs none of the model's C++ code:
//   - the sites, their shapes and the control flow depend only on the step's arguments as the
//     signature sees them (shapes, dtypes, number values), on the parameters, and on tensors the
//     model holds (read at replay time). A model that branches on host state (a counter, a global
//     setting, a host random number) would be replayed with the branch of its capture: keep such
//     state out of model and guide, or leave cuda_graph off. Reading a tensor's value on the host
//     (.item(), nonzero, a bool of a tensor) or moving data between CPU and GPU is found by the
//     probe step, and such a signature runs eagerly with a warning naming the operator;
//   - tensors the model captures by reference (constants, data in its closure) were validated when
//     first seen; replays run only the checks captured in the graph (those of the arguments, the
//     draws and the parameters), whose verdicts fold into the loss as in an eager step;
//   - a parameter replaced in the store (ParamStore::load, set, another ParamStoreScope) or
//     optimizer state replaced (PyroOptim::load) is noticed before the replay: the step probes and
//     captures again. Changes in place (a parameter's values, a learning rate) need nothing.
// Steps run eagerly, with a one-time warning, when pplx was built without CUDA graph support, the
// parameters are not on a CUDA device, the optimizer has no graph-safe update (see
// PyroOptim::supports_graph_safe_step), handlers are active around svi.step(), or capture fails.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/util/FunctionRef.h>
#include <c10/util/SmallVector.h>
#include <c10/util/Type.h>

#include <pplx/error.h>
#include <pplx/optim/pyro_optim.h>
#include <pplx/trace.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {

/// Whether this build of pplx can capture CUDA graphs (LibTorch 2.3 or newer, built with CUDA) and
/// a CUDA device is visible.
///
///   if (pplx::infer::cuda_graphs_available()) options.cuda_graph(true);
bool cuda_graphs_available();

/// What SVIOptions().cuda_graph(true) has done so far (SVI::cuda_graph_stats()).
///
///   CHECK(svi.cuda_graph_stats().replays > 0);
struct CudaGraphStats {
  int64_t eager_steps = 0;    ///< steps run eagerly: warm-up steps and fallbacks
  int64_t probe_steps = 0;    ///< steps run eagerly by the code a graph captures
  int64_t captures = 0;       ///< graphs captured
  int64_t replays = 0;        ///< steps done by a graph (the capturing step's included)
  std::string last_fallback;  ///< why the last step that could not use a graph ran eagerly
};

namespace detail {

/// The key under which a captured graph is reused: for each step argument a tag and, for a tensor,
/// its dtype, device and shape, for a number its value; then the validation setting.
struct StepSignature {
  c10::SmallVector<int64_t, 24> words;
  bool operator==(const StepSignature& other) const { return words == other.words; }
};

template <class T>
constexpr bool is_tensor_arg_v = std::is_same_v<std::decay_t<T>, at::Tensor>;

/// Appends the signature of one step argument (the `index`-th, for error messages); a tensor
/// argument also goes to `tensors`. Throws pplx::ValueError for an argument that is neither a
/// tensor nor a number (a graph could not tell when it changes), or a tensor that requires grad.
template <class A>
void sign_arg(StepSignature& signature, std::vector<at::Tensor>& tensors, size_t index, const A& arg) {
  using T = std::decay_t<A>;
  auto& w = signature.words;
  if constexpr (is_tensor_arg_v<T>) {
    PPLX_CHECK_AS(ValueError, !arg.defined() || !arg.requires_grad(),
                  "SVI with SVIOptions().cuda_graph(true): step "
                  "argument ",
                  index,
                  " requires grad; a graph copies its tensor arguments as data. Pass it detached "
                  "or make it a pplx::param");
    w.push_back(1);
    if (arg.defined()) {
      w.push_back(static_cast<int64_t>(arg.scalar_type()));
      w.push_back(static_cast<int64_t>(arg.device().type()));
      w.push_back(arg.device().index());
      w.push_back(arg.dim());
      for (int64_t s : arg.sizes()) w.push_back(s);
    } else {
      w.push_back(-1);
    }
    tensors.push_back(arg);
  } else if constexpr (std::is_floating_point_v<T>) {
    const double v = static_cast<double>(arg);
    int64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    w.push_back(2);
    w.push_back(bits);
  } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    w.push_back(3);
    w.push_back(static_cast<int64_t>(arg));
  } else {
    throw ValueError(
        "SVI with SVIOptions().cuda_graph(true): step argument ", index, " has type ", c10::demangle_type<T>(),
        "; a graph is reused for arguments of the same shapes and values, which pplx can only tell for tensors and "
        "numbers. Pass tensors and numbers, keep other values in the model's closure, or leave cuda_graph off");
  }
}

/// The signature of a step's arguments, and their tensors in order.
template <class... Args>
void sign_step(StepSignature& signature, std::vector<at::Tensor>& tensors, const Args&... args) {
  size_t index = 0;
  (sign_arg(signature, tensors, index++, args), ...);
  signature.words.push_back(is_validation_enabled() ? -2 : -3);  // a graph runs the checks of its capture
}

/// For each argument, its position among the tensor arguments (meaningful for tensors only).
template <class... Args>
constexpr std::array<size_t, sizeof...(Args)> tensor_slots() {
  std::array<size_t, sizeof...(Args)> slots{};
  [[maybe_unused]] size_t i = 0, k = 0;  // unused for a step without arguments
  ((slots[i++] = k, k += is_tensor_arg_v<Args> ? 1 : 0), ...);
  return slots;
}

template <class A>
decltype(auto) pick_arg(std::vector<at::Tensor>& tensors, size_t slot, A& arg) {
  if constexpr (is_tensor_arg_v<A>) {
    return (tensors[slot]);
  } else {
    return (arg);
  }
}

template <class Fn, size_t... I, class... Args>
decltype(auto) call_with_tensors_impl(Fn& fn, std::vector<at::Tensor>& tensors, std::index_sequence<I...>,
                                      Args&... args) {
  [[maybe_unused]] constexpr auto slots = tensor_slots<Args...>();
  return fn(pick_arg(tensors, slots[I], args)...);
}

/// fn(args...) with the tensor arguments replaced, in order, by `tensors` (a graph's input buffers).
template <class Fn, class... Args>
decltype(auto) call_with_tensors(Fn& fn, std::vector<at::Tensor>& tensors, Args&... args) {
  return call_with_tensors_impl(fn, tensors, std::index_sequence_for<Args...>(), args...);
}

/// The CUDA graphs of one SVI, keyed by step signature (at most 4; the least recently used goes).
/// Decides for each step whether it runs eagerly, as a probe, or as a graph (see the top of this
/// file), and keeps the graphs' input buffers, outputs and the parameters they update.
class CudaGraphSteps {
 public:
  /// `optim` and `param_trace` are the SVI's; both must outlive this object.
  CudaGraphSteps(optim::PyroOptim& optim, const Trace& param_trace);
  ~CudaGraphSteps();
  CudaGraphSteps(const CudaGraphSteps&) = delete;
  CudaGraphSteps& operator=(const CudaGraphSteps&) = delete;

  /// One step. Either runs `eager` (an ordinary step; returns an undefined tensor) or runs `body`
  /// (the step in graph-safe form: returns the loss with the validation verdicts folded in, 0-dim,
  /// the update applied only where it is finite) eagerly as a probe, under capture, or by replaying
  /// its graph; then returns that loss, which a later replay overwrites. `tensors`: the step's
  /// tensor arguments, which `body` receives or a graph's input buffers in their place.
  at::Tensor step(const StepSignature& signature, std::vector<at::Tensor>& tensors, c10::function_ref<void()> eager,
                  c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body);

  const CudaGraphStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One step of an SVI under SVIOptions().cuda_graph(true): signs the arguments, then lets `graphs`
/// run `eager()` or `body(args...)` (with the tensor arguments replaced by input buffers).
///
///   at::Tensor loss = graphed_step(graphs, [&] { value = eager_step(x, y); }, body, x, y);
template <class Eager, class Body, class... Args>
at::Tensor graphed_step(CudaGraphSteps& graphs, Eager&& eager, Body&& body, Args&... args) {
  StepSignature signature;
  std::vector<at::Tensor> tensors;
  sign_step(signature, tensors, args...);
  auto run_body = [&](std::vector<at::Tensor>& buffers) -> at::Tensor {
    return call_with_tensors(body, buffers, args...);
  };
  return graphs.step(signature, tensors, eager, run_body);
}

}  // namespace detail
}  // namespace infer
}  // namespace pplx
