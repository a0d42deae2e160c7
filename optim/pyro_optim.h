// SPDX-License-Identifier: Apache-2.0
// PyroOptim: per-parameter optimizer state, created lazily by parameter name (pyro/optim/optim.py).
#pragma once

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/util/Optional.h>
#include <torch/arg.h>

#include <pplx/archive.h>
#include <pplx/trace.h>

namespace torch {
namespace optim {
class Optimizer;
class OptimizerParamState;
}  // namespace optim
}  // namespace torch

namespace pplx {
namespace optim {

/// Gradient clipping applied before each parameter's update (Pyro's clip_args).
///
/// `clip_norm` and `clip_value` act on each parameter tensor separately, exactly as Pyro does
/// (torch.nn.utils.clip_grad_norm_ / clip_grad_value_ called on one tensor at a time), so
/// `clip_norm` bounds every tensor's gradient norm, not their joint norm. `global_clip_norm` is
/// pplx's addition: it bounds the 2-norm of all gradients of one step taken together (the usual
/// torch.nn.utils.clip_grad_norm_(all_params, max_norm)). Order: global, per-tensor norm, value.
///
///   pplx::optim::Adam(torch::optim::AdamOptions(1e-2), pplx::optim::ClipOptions().clip_norm(10.0));
struct ClipOptions {
  TORCH_ARG(c10::optional<double>, clip_norm) = c10::nullopt;
  TORCH_ARG(c10::optional<double>, clip_value) = c10::nullopt;
  TORCH_ARG(c10::optional<double>, global_clip_norm) = c10::nullopt;
};

/// Clip options chosen per parameter name.
using ClipFn = std::function<ClipOptions(const std::string& param_name)>;

/// Named parameters as the optimizers take them: store name -> unconstrained leaf tensor
/// (pplx::named_params picks them out of a param trace).
using NamedTensors = pplx::NamedTensors;

/// The step count and learning rate of one parameter's optimizer as 0-dim float64 tensors on the
/// parameter's device. PyroOptim::graph_safe_step advances these instead of the host fields, so
/// that a replayed CUDA graph applies the right bias corrections and learning-rate decay.
///
///   DeviceCounters c{at::zeros({}, at::kDouble), at::full({}, 1e-3, at::kDouble)};
struct DeviceCounters {
  at::Tensor step;  ///< updates applied so far (exact up to 2^53)
  at::Tensor lr;    ///< the current learning rate
};

/// Base class of pplx's optimizers (Pyro's PyroOptim): one LibTorch optimizer per parameter,
/// created the first time the parameter is stepped and keyed by its name. A step updates only the
/// parameters it is given, so a parameter absent from a step keeps its value and its state (a
/// shared torch optimizer would keep moving it through Adam momentum).
///
/// Not thread-safe: give each thread its own optimizer (optimizer state lives in the object; there
/// is no global state).
///
///   pplx::optim::Adam adam(torch::optim::AdamOptions(1e-2));
///   adam.step(pplx::named_params(param_trace));   // clips, then updates each tensor from its .grad
class PyroOptim {
 public:
  virtual ~PyroOptim();
  PyroOptim(PyroOptim&&) noexcept;
  PyroOptim& operator=(PyroOptim&&) noexcept;
  PyroOptim(const PyroOptim&) = delete;
  PyroOptim& operator=(const PyroOptim&) = delete;

  /// Updates the given parameters from their `.grad`, clipping first (ClipOptions). A parameter
  /// without a gradient keeps its value (its optimizer still counts the step, as in Pyro).
  /// Throws pplx::Error when `params` is empty and pplx::ValueError for an undefined tensor.
  void step(const NamedTensors& params);

  /// Names of the parameters this optimizer holds state for, in the order they appeared.
  std::vector<std::string> param_names() const;
  bool has_param(const std::string& name) const { return slots_.count(name) != 0; }
  /// Current learning rate of a parameter's optimizer. Throws pplx::SiteError when unknown.
  double lr(const std::string& name) const;

  /// Multiplies every learning rate (current and future parameters) by factor / previous factor.
  /// Used by the learning-rate schedulers; starts at 1. Throws pplx::ValueError unless factor > 0.
  void set_lr_factor(double factor);
  double lr_factor() const { return lr_factor_; }

  /// Saves every parameter's optimizer state (moments, step counts, learning rates) to `path`
  /// in a checksummed archive of kind "optim", written atomically.
  void save(const std::string& path) const;
  /// Loads state saved by an optimizer of the same type. State of parameters this optimizer has
  /// not seen yet is kept and used when they first appear (Pyro does the same). Throws
  /// pplx::IOError for a missing, corrupt or mismatching file (other optimizer type, shapes).
  void load(const std::string& path);

  /// The optimizer type ("Adam", "SGD", ...), stored in saved files.
  virtual std::string name() const = 0;

  /// Whether graph_safe_step() supports this optimizer: Adam, AdamW, SGD and ClippedAdam do;
  /// RMSprop and Adagrad update on the host only.
  virtual bool supports_graph_safe_step() const { return false; }

  /// step() in tensor operations only, so that a CUDA graph can capture and replay it: the step
  /// count and learning rate of each parameter are DeviceCounters on its device (Adam's bias
  /// corrections and ClippedAdam's learning-rate decay become tensor operations) and nothing is
  /// read on the host. Where the 0-dim bool tensor `apply` is false, parameters, state and counters
  /// keep their values (a step whose loss is not finite is skipped on the device). The numbers
  /// equal step()'s up to float rounding. Every parameter must have been updated by step() before
  /// (creating optimizer state is host work a graph cannot replay). Throws pplx::Error for an
  /// optimizer without support, a parameter this optimizer has not stepped, or a parameter with a
  /// gradient but no state; pplx::ValueError for an empty or undefined `params` or a bad `apply`.
  ///
  ///   adam.step(params);                                 // creates the state
  ///   adam.graph_safe_step(params, at::isfinite(loss));  // capturable from now on
  void graph_safe_step(const NamedTensors& params, const at::Tensor& apply);

  /// Copies the host step counts and learning rates into the DeviceCounters where the host changed
  /// them (step(), load(), set_lr_factor()) and creates missing counters. Launches a fill per
  /// parameter at most and reads nothing back: call it before capturing or replaying graph_safe_step.
  void sync_device_counters();

  /// Records that graph_safe_step ran again without its host code (a CUDA graph replayed it): the
  /// host step counts and learning rates are then stale, and the next host use (step(), lr(),
  /// save(), load(), set_lr_factor()) first reads the counters back, two reads per parameter.
  void note_device_steps() { device_ahead_ = true; }

  /// Changes whenever a parameter's state tensors are created or replaced or the tensor behind a
  /// name is rebound: a captured graph_safe_step holding the old tensors is then stale.
  uint64_t state_generation() const { return state_generation_; }

 protected:
  /// `clip` gives each parameter's clip options when it first appears; `global_clip_norm` bounds
  /// the joint gradient norm of every step.
  PyroOptim(ClipFn clip, c10::optional<double> global_clip_norm);

  /// Creates the LibTorch optimizer of one parameter; called once per name, lazily.
  virtual std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const at::Tensor& param) = 0;
  /// Appends the state tensors of `opt` (one parameter) as (field, tensor) pairs.
  virtual void save_state(torch::optim::Optimizer& opt, std::vector<std::pair<std::string, at::Tensor>>& out) const = 0;
  /// Rebuilds the state of `opt`'s parameter `param` from (field, tensor) pairs written by save_state.
  virtual void load_state(torch::optim::Optimizer& opt, const at::Tensor& param,
                          const std::vector<std::pair<std::string, at::Tensor>>& fields) const = 0;

  /// Whether graph_safe_update() can update `param` with the state `opt` holds now (state exists
  /// where the update needs it). Only called when supports_graph_safe_step().
  virtual bool graph_safe_ready(torch::optim::Optimizer& opt, const at::Tensor& param) const { return false; }
  /// One parameter's update of graph_safe_step(), from param.grad(). Only called when
  /// supports_graph_safe_step() and graph_safe_ready().
  virtual void graph_safe_update(torch::optim::Optimizer& opt, const at::Tensor& param, DeviceCounters& counters,
                                 const at::Tensor& apply) const {}
  /// The step count in `opt`'s state (0 when it has no state or counts no steps), and its setter.
  virtual int64_t state_step(torch::optim::Optimizer& opt) const { return 0; }
  virtual void set_state_step(torch::optim::Optimizer& opt, int64_t step) const {}

 private:
  struct Slot;
  Slot& slot_for(const std::string& name, const at::Tensor& param);
  /// Points `slot` at `param` when the store replaced the tensor behind its name.
  void rebind(Slot& slot, const at::Tensor& param);
  void apply_pending(const std::string& name, Slot& slot);
  void check_params(const NamedTensors& params, const char* method) const;
  /// Host step counts and learning rates := the device counters, when graph_safe_step ran since.
  void pull_device_counters() const;

  ClipFn clip_fn_;
  c10::optional<double> global_clip_norm_;
  double lr_factor_ = 1.0;
  std::unordered_map<std::string, std::unique_ptr<Slot>> slots_;
  std::vector<std::string> order_;
  // State loaded from a file for parameters not seen yet: name -> (field, tensor).
  std::unordered_map<std::string, std::vector<std::pair<std::string, at::Tensor>>> pending_;
  // Which of the host state and the DeviceCounters is current: at most one flag is set.
  mutable bool device_ahead_ = false;  // graph_safe_step ran since the host values were read
  bool host_ahead_ = true;             // the host values changed since the counters were written
  uint64_t state_generation_ = 0;
};

namespace detail {
/// The key under which LibTorch's Optimizer::state() keeps `p`'s state: a string (what
/// c10::guts::to_string(p.unsafeGetTensorImpl()) prints) in LibTorch 1.x, a pointer in 2.x.
template <class StateMap>
typename StateMap::key_type state_key(const at::Tensor& p) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;
    os << p.unsafeGetTensorImpl();
    return os.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}
/// Checks a ClipOptions (no negative or NaN bound) and names `where` in the error.
void validate_clip(const ClipOptions& clip, const std::string& where);
/// Makes `state` the state of the single parameter `param` of `opt`.
void install_state(torch::optim::Optimizer& opt, const at::Tensor& param,
                   std::unique_ptr<torch::optim::OptimizerParamState> state);
/// Runs `make`, turning LibTorch's c10::Error (bad lr, betas...) into pplx::ValueError.
std::unique_ptr<torch::optim::Optimizer> checked_make(
    const std::string& optimizer, const std::string& param,
    const std::function<std::unique_ptr<torch::optim::Optimizer>()>& make);
}  // namespace detail

}  // namespace optim
}  // namespace pplx
