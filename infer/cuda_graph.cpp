// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/cuda_graph.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>

#include <ATen/record_function.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <pplx/host_reads.h>
#include <pplx/messenger.h>
#include <pplx/param_store.h>

// PPLX_WITH_CUDA_GRAPHS comes from CMake when LibTorch has CUDA (CMakeLists.txt). The allocator
// calls that clean up after a failed capture exist in this form from LibTorch 2.3 on.
#if defined(PPLX_WITH_CUDA_GRAPHS) && \
    (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3))
#define PPLX_CUDA_GRAPHS 1
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#else
#define PPLX_CUDA_GRAPHS 0
#endif

namespace pplx {
namespace infer {

namespace {

// Why this build or machine cannot capture graphs; empty when it can.
std::string unavailable_reason() {
#if PPLX_CUDA_GRAPHS
  if (!at::cuda::is_available()) return "no CUDA device is visible";
  return {};
#elif defined(PPLX_WITH_CUDA_GRAPHS)
  return pplx::detail::str("pplx was built against LibTorch ", TORCH_VERSION_MAJOR, ".", TORCH_VERSION_MINOR,
                           "; its CUDA graph support needs LibTorch 2.3 or newer");
#else
  return "pplx was built against a LibTorch without CUDA";
#endif
}

// --- The probe: operators of a step that a graph could not replay --------------------------------

bool cuda_tensor(const c10::IValue& v) { return v.isTensor() && v.toTensor().defined() && v.toTensor().is_cuda(); }

// The first offending operator seen while a probe is active. One probe at a time per process: the
// observer may run on the autograd engine's device threads, where a thread_local would not reach.
struct ProbeFindings {
  std::mutex mutex;
  std::string first;
};
std::atomic<ProbeFindings*> g_findings{nullptr};
std::mutex g_probe_mutex;

std::unique_ptr<at::ObserverContext> observe_op(const at::RecordFunction& fn) {
  ProbeFindings* findings = g_findings.load();
  if (!findings) return nullptr;
  const char* name = fn.name();
  const auto inputs = fn.inputs();
  bool offends = false;
  if (std::strcmp(name, "aten::copy_") == 0) {
    // A copy between host and device memory: a CPU draw (handlers::seed) or constant moved to the
    // GPU, or a value moved back. A graph would replay the device side with stale host data.
    offends = inputs.size() >= 2 && inputs[0].isTensor() && inputs[1].isTensor() && inputs[0].toTensor().defined() &&
              inputs[1].toTensor().defined() && inputs[0].toTensor().is_cuda() != inputs[1].toTensor().is_cuda();
  } else if (pplx::is_host_read_op(name)) {
    offends = std::any_of(inputs.begin(), inputs.end(), cuda_tensor);
  }
  if (offends) {
    std::lock_guard<std::mutex> lock(findings->mutex);
    if (findings->first.empty()) findings->first = name;
  }
  return nullptr;
}

// While alive, records the first operator of this thread (and the autograd work it starts) that
// reads a CUDA tensor on the host or copies between host and device.
class Probe {
 public:
  Probe() : lock_(g_probe_mutex) {
    g_findings.store(&findings_);
    handle_ = at::addThreadLocalCallback(
        at::RecordFunctionCallback(observe_op).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
  }
  ~Probe() {
    at::removeCallback(handle_);
    g_findings.store(nullptr);
  }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  std::string first() {
    std::lock_guard<std::mutex> lock(findings_.mutex);
    return findings_.first;
  }

 private:
  std::lock_guard<std::mutex> lock_;
  ProbeFindings findings_;
  at::CallbackHandle handle_;
};

constexpr int kFirstWarmup = 2;   // eager steps before the first probe: parameters, optimizer state
constexpr int kLaterWarmup = 1;   // before a new signature's probe: sites only it creates
constexpr size_t kMaxGraphs = 4;  // signatures kept (e.g. the full batch and the last, smaller one)
constexpr int kMaxCaptures = 8;   // per signature, before replaced parameters make it run eagerly

}  // namespace

bool cuda_graphs_available() { return unavailable_reason().empty(); }

namespace detail {

// --- One signature's graph ------------------------------------------------------------------------

struct GraphEntry {
  StepSignature signature;
  int eager_left = 0;
  bool probed = false;
  NamedTensors probe_params;        // the probe's parameters: the capture must see the same ones
  uint64_t probe_generation = 0;    // the optimizer's state generation after the probe
  NamedTensors params;              // the parameters the graph updates, checked before each replay
  uint64_t generation = 0;          // the optimizer's state generation at capture
  std::vector<at::Tensor> inputs;   // the graph's input buffers, one per tensor argument
  std::vector<at::Tensor> sources;  // the tensors last copied in (held: same tensor + version = same data)
  std::vector<int64_t> versions;
  std::vector<bool> always_copy;  // the graph writes into this buffer, so a copy is always due
  at::Tensor loss;                // the graph's output
  int captures = 0;
  std::string failed;  // not empty: this signature runs eagerly, for this reason
  uint64_t last_used = 0;
#if PPLX_CUDA_GRAPHS
  std::unique_ptr<at::cuda::CUDAGraph> graph;
#endif

  bool has_graph() const {
#if PPLX_CUDA_GRAPHS
    return graph != nullptr;
#else
    return false;
#endif
  }
  void drop_graph() {
#if PPLX_CUDA_GRAPHS
    graph.reset();
#endif
    loss = at::Tensor();
    params.clear();
  }
};

namespace {

#if PPLX_CUDA_GRAPHS

// An exception's message without LibTorch's backtrace.
std::string message_of(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

// Gradients a step that threw half-way may have left: the next backward would add to them.
void drop_grads(const Trace& param_trace) {
  for (auto& p : named_params(param_trace)) p.second.mutable_grad() = at::Tensor();
}

bool same_params(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !a[i].second.is_same(b[i].second)) return false;
  return true;
}

std::string names(const NamedTensors& params) {
  std::string out;
  for (const auto& p : params) out += (out.empty() ? "" : ", ") + p.first;
  return "[" + out + "]";
}

// Copies `from` into the entry's buffer k unless it holds exactly these values already.
void copy_input(GraphEntry& e, size_t k, const at::Tensor& from) {
  if (!from.defined()) return;
  const bool versioned = !from.is_inference();
  if (!e.always_copy[k] && versioned && e.sources[k].is_same(from) && e.versions[k] == from._version()) return;
  e.inputs[k].copy_(from);
  e.sources[k] = from;
  e.versions[k] = versioned ? from._version() : -1;
}

// Runs `fn` with `side` as the current stream, ordered after the work queued so far on the current
// stream and before the work queued after it. Graph capture needs a stream other than the default
// one, and PyTorch's recipe warms up on that stream too.
template <class Fn>
auto on_side_stream(c10::DeviceIndex device, const at::cuda::CUDAStream& side, Fn&& fn) -> decltype(fn()) {
  c10::cuda::CUDAGuard device_guard(device);
  const at::cuda::CUDAStream ambient = at::cuda::getCurrentCUDAStream(device);
  at::cuda::CUDAEvent ready;
  ready.record(ambient);
  ready.block(side);
  struct Rejoin {
    const at::cuda::CUDAStream& side;
    const at::cuda::CUDAStream& ambient;
    ~Rejoin() {
      at::cuda::CUDAEvent done;
      done.record(side);
      done.block(ambient);
    }
  } rejoin{side, ambient};
  c10::cuda::CUDAStreamGuard stream_guard(side);
  return fn();
}

// Undoes what a capture that threw left behind, as far as LibTorch's public API allows: ends the
// stream's capture sequence, stops routing allocations to the graph's pool, and ends the default
// generator's capture mode with an empty capture (its RNG calls outside capture fail otherwise).
void abandon_capture(at::cuda::CUDAGraph& graph, c10::cuda::MempoolId_t pool, c10::DeviceIndex device,
                     const at::cuda::CUDAStream& side, bool end_attempted) {
  if (!end_attempted) {
    try {
      graph.capture_end();  // a host-side error leaves a valid capture: ending it cleans up everything
      return;
    } catch (const std::exception&) {
    }
  }
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(side.stream(), &status) == cudaSuccess && status != cudaStreamCaptureStatusNone) {
    cudaGraph_t dead = nullptr;
    (void)cudaStreamEndCapture(side.stream(), &dead);
    if (dead) (void)cudaGraphDestroy(dead);
  }
  (void)cudaGetLastError();  // capture errors are not sticky; clear the last one
  try {
    c10::cuda::CUDACachingAllocator::endAllocateToPool(device, pool);
  } catch (const std::exception&) {  // capture_end got that far
  }
  try {
    at::cuda::CUDAGraph reset;
    reset.capture_begin();
    at::zeros({1}, at::TensorOptions().device(at::kCUDA, device));
    reset.capture_end();
  } catch (const std::exception&) {
  }
}

#endif  // PPLX_CUDA_GRAPHS

}  // namespace

// --- The runner -----------------------------------------------------------------------------------

struct CudaGraphSteps::Impl {
  optim::PyroOptim& optim;
  const Trace& param_trace;
  CudaGraphStats stats;
  std::vector<std::unique_ptr<GraphEntry>> entries;
  uint64_t clock = 0;
  bool first_signature = true;
  std::string disabled;          // not empty: every step runs eagerly, for this reason
  std::set<std::string> warned;  // each reason is printed once
  c10::DeviceIndex device = -1;  // the parameters' CUDA device, once known
#if PPLX_CUDA_GRAPHS
  c10::optional<at::cuda::CUDAStream> side;
#endif

  Impl(optim::PyroOptim& o, const Trace& t) : optim(o), param_trace(t) {}

  void warn(const std::string& why) {
    stats.last_fallback = why;
    if (warned.insert(why).second) TORCH_WARN("pplx SVI with SVIOptions().cuda_graph(true) runs eagerly: ", why);
  }
  at::Tensor eagerly(c10::function_ref<void()> eager, const std::string& why) {
    warn(why);
    ++stats.eager_steps;
    eager();
    return {};
  }
  void fail(GraphEntry& e, const std::string& why) {
    e.failed = why;
    e.drop_graph();
    warn(why);
  }

  GraphEntry& entry_for(const StepSignature& signature) {
    ++clock;
    for (auto& e : entries)
      if (e->signature == signature) {
        e->last_used = clock;
        return *e;
      }
    if (entries.size() >= kMaxGraphs) {
      auto oldest = std::min_element(entries.begin(), entries.end(),
                                     [](const auto& a, const auto& b) { return a->last_used < b->last_used; });
      entries.erase(oldest);
    }
    auto e = std::make_unique<GraphEntry>();
    e->signature = signature;
    e->eager_left = first_signature ? kFirstWarmup : kLaterWarmup;
    e->last_used = clock;
    first_signature = false;
    entries.push_back(std::move(e));
    return *entries.back();
  }

  // Why the step cannot be a graph on the devices of its parameters and tensor arguments; empty
  // when it can. Sets `device`. A parameter off CUDA disables graphs for this SVI.
  std::string check_devices(const std::vector<at::Tensor>& tensors) {
    const NamedTensors params = named_params(param_trace);
    if (params.empty()) return "the step has no parameters to update";
    const c10::Device d = params.front().second.device();
    if (!d.is_cuda()) {
      disabled = pplx::detail::str("the parameters are on ", d.str(), "; a CUDA graph needs CUDA tensors");
      return disabled;
    }
    for (const auto& p : params)
      if (p.second.device() != d)
        return pplx::detail::str("the parameters lie on several devices ('", params.front().first, "' on ", d.str(),
                                 ", '", p.first, "' on ", p.second.device().str(), ")");
    for (size_t k = 0; k < tensors.size(); ++k)
      if (tensors[k].defined() && tensors[k].device() != d)
        return pplx::detail::str("tensor argument ", k, " (counting tensor arguments only) is on ",
                                 tensors[k].device().str(), " but the parameters are on ", d.str(),
                                 "; a graph reads its inputs on the parameters' device");
    device = d.index();
    return {};
  }

  // Whether `params` and the optimizer state of `generation` are still what the store and the
  // optimizer hold: else a replay (or a capture, which would rebind them on the host) must wait
  // for a new probe.
  bool current(const NamedTensors& params, uint64_t generation) const {
    if (generation != optim.state_generation()) return false;
    ParamStore& store = get_param_store();
    for (const auto& p : params)
      if (!store.contains(p.first) || !store.get_unconstrained(p.first).is_same(p.second)) return false;
    return true;
  }

  at::Tensor probe(GraphEntry& e, std::vector<at::Tensor>& tensors, c10::function_ref<void()> eager,
                   c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body);
  bool capture(GraphEntry& e, std::vector<at::Tensor>& tensors,
               c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body);
  void replay(GraphEntry& e, const std::vector<at::Tensor>& tensors);
};

at::Tensor CudaGraphSteps::Impl::probe(GraphEntry& e, std::vector<at::Tensor>& tensors, c10::function_ref<void()> eager,
                                       c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body) {
  if (std::string why = check_devices(tensors); !why.empty()) {
    if (disabled.empty()) fail(e, why);
    return eagerly(eager, why);
  }
#if PPLX_CUDA_GRAPHS
  if (!side || side->device_index() != device) side = at::cuda::getStreamFromPool(/*isHighPriority=*/false, device);
  at::Tensor loss;
  std::string offending;
  try {
    loss = on_side_stream(device, *side, [&] {
      Probe probe;
      at::Tensor out = body(tensors);
      offending = probe.first();
      return out;
    });
  } catch (const std::exception& ex) {
    // Nothing was updated (the graph-safe form throws before its update), but a backward that
    // threw may have left gradients. Run the step eagerly: a mistake in the model throws there
    // with the eager step's explanation.
    drop_grads(param_trace);
    ++stats.eager_steps;
    eager();
    fail(e, pplx::detail::str("the step in graph-safe form failed where the eager step did not: ", message_of(ex)));
    return {};
  }
  ++stats.probe_steps;
  if (!offending.empty()) {
    fail(e, pplx::detail::str(
                "the step calls ", offending,
                " on a CUDA tensor, which reads its value on the host or copies "
                "between host and device memory; a graph would replay it with the values of its capture. Usual "
                "causes: handlers::seed (it draws on a CPU generator: seed with torch::manual_seed instead), a CPU "
                "tensor moved to the GPU in every step, .item() or a bool read of a tensor in the model"));
    return loss;  // the probe was this step; it ran correctly, eagerly
  }
  e.probed = true;
  e.probe_params = named_params(param_trace);
  e.probe_generation = optim.state_generation();
  return loss;
#else
  return eagerly(eager, unavailable_reason());
#endif
}

bool CudaGraphSteps::Impl::capture(GraphEntry& e, std::vector<at::Tensor>& tensors,
                                   c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body) {
#if PPLX_CUDA_GRAPHS
  if (e.captures >= kMaxCaptures) {
    fail(e, pplx::detail::str("captured ", e.captures,
                              " graphs for the same arguments: parameters or optimizer state "
                              "keep being replaced (ParamStore::load or set, PyroOptim::load, a changing "
                              "ParamStoreScope between steps)"));
    return false;
  }
  if (e.inputs.size() != tensors.size()) {
    e.inputs.clear();
    for (const auto& t : tensors) e.inputs.push_back(t.defined() ? at::empty_like(t) : at::Tensor());
    e.sources.assign(tensors.size(), at::Tensor());
    e.versions.assign(tensors.size(), -1);
    e.always_copy.assign(tensors.size(), true);
  }
  for (size_t k = 0; k < tensors.size(); ++k) copy_input(e, k, tensors[k]);
  std::vector<int64_t> before;
  for (const auto& b : e.inputs) before.push_back(b.defined() ? b._version() : 0);
  optim.sync_device_counters();  // uploads now; during capture it would be recorded into the graph

  auto graph = std::make_unique<at::cuda::CUDAGraph>();
  const c10::cuda::MempoolId_t pool = at::cuda::graph_pool_handle();
  at::Tensor loss;
  try {
    on_side_stream(device, *side, [&] {
      graph->capture_begin(pool);
      bool end_attempted = false;
      try {
        std::vector<at::Tensor> buffers = e.inputs;  // the body may rebind its handles
        loss = body(buffers);
        end_attempted = true;
        graph->capture_end();
      } catch (...) {
        abandon_capture(*graph, pool, device, *side, end_attempted);
        throw;
      }
    });
  } catch (const std::exception& ex) {
    // LibTorch's state after a failed capture is only as good as abandon_capture could make it.
    disabled = pplx::detail::str("capturing the step as a CUDA graph failed: ", message_of(ex));
    drop_grads(param_trace);
    e.drop_graph();
    warn(disabled);
    return false;
  }
  // The parameters the capture saw must be the probe's: else the sites depend on something the
  // signature does not see, and a replay would be wrong.
  const NamedTensors captured = named_params(param_trace);
  if (!same_params(captured, e.probe_params)) {
    fail(e, pplx::detail::str("two steps with the same arguments touched different parameters (", names(e.probe_params),
                              ", then ", names(captured),
                              "): the model's sites depend on host state a graph "
                              "cannot see (see pplx/infer/cuda_graph.h)"));
    return false;
  }
  for (size_t k = 0; k < e.inputs.size(); ++k)
    e.always_copy[k] = e.inputs[k].defined() && e.inputs[k]._version() != before[k];  // written in place by the step
  e.graph = std::move(graph);
  e.loss = loss;
  e.params = captured;
  e.generation = optim.state_generation();
  ++e.captures;
  ++stats.captures;
  return true;
#else
  return false;
#endif
}

void CudaGraphSteps::Impl::replay(GraphEntry& e, const std::vector<at::Tensor>& tensors) {
#if PPLX_CUDA_GRAPHS
  for (size_t k = 0; k < tensors.size(); ++k) copy_input(e, k, tensors[k]);
  optim.sync_device_counters();  // a fill per parameter if the host changed counts or rates
  e.graph->replay();
  optim.note_device_steps();
  ++stats.replays;
#endif
}

CudaGraphSteps::CudaGraphSteps(optim::PyroOptim& optim, const Trace& param_trace)
    : impl_(std::make_unique<Impl>(optim, param_trace)) {}
CudaGraphSteps::~CudaGraphSteps() = default;

const CudaGraphStats& CudaGraphSteps::stats() const { return impl_->stats; }

at::Tensor CudaGraphSteps::step(const StepSignature& signature, std::vector<at::Tensor>& tensors,
                                c10::function_ref<void()> eager,
                                c10::function_ref<at::Tensor(std::vector<at::Tensor>&)> body) {
  Impl& m = *impl_;
  if (m.disabled.empty()) {
    if (std::string why = unavailable_reason(); !why.empty()) m.disabled = why;
    else if (!m.optim.supports_graph_safe_step())
      m.disabled = pplx::detail::str("the optimizer ", m.optim.name(),
                                     " has no graph-safe update (use Adam, AdamW, "
                                     "SGD or ClippedAdam)");
  }
  if (!m.disabled.empty()) return m.eagerly(eager, m.disabled);
  // Handlers around the step (scale, condition, seed...) hold host state a graph would freeze.
  if (!handler_stack().empty())
    return m.eagerly(eager,
                     "handlers are active around svi.step(); a graph would replay their settings of its "
                     "capture. Put handlers inside the model or guide instead");
  GraphEntry& e = m.entry_for(signature);
  if (!e.failed.empty()) return m.eagerly(eager, e.failed);
  if (e.eager_left > 0) {
    --e.eager_left;
    ++m.stats.eager_steps;
    eager();
    return {};
  }
  // Replaced parameters or optimizer state: probe again, which rebinds them on the host first.
  if (e.has_graph() && !m.current(e.params, e.generation)) {
    e.drop_graph();
    e.probed = false;
  } else if (!e.has_graph() && e.probed && !m.current(e.probe_params, e.probe_generation)) {
    e.probed = false;
  }
  if (!e.probed) return m.probe(e, tensors, eager, body);
  if (!e.has_graph()) {
    if (!m.capture(e, tensors, body)) {
      ++m.stats.eager_steps;
      eager();
      return {};
    }
  }
  m.replay(e, tensors);
  return e.loss;
}

}  // namespace detail
}  // namespace infer
}  // namespace pplx
