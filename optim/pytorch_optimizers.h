// SPDX-License-Identifier: Apache-2.0
// LibTorch's optimizers with Pyro's semantics (pyro/optim/pytorch_optimizers.py).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <pplx/error.h>
#include <pplx/optim/graph_safe_update.h>
#include <pplx/optim/pyro_optim.h>

namespace pplx {
namespace optim {

/// What WrappedOptimizer needs to know about a LibTorch optimizer: its options and per-parameter
/// state types, a name for files and errors, and the state fields to save. Specialize it to wrap
/// another optimizer (see clipped_adam.h). Optionally, `graph_safe_ready` and
/// `graph_safe_update` give its update in tensor operations (PyroOptim::graph_safe_step).
template <class TorchOptimizer>
struct OptimizerTraits;

namespace detail {
/// Whether OptimizerTraits `T` has a graph-safe update.
template <class T, class = void>
struct has_graph_safe_update : std::false_type {};
template <class T>
struct has_graph_safe_update<T, std::void_t<decltype(&T::graph_safe_update)>> : std::true_type {};
}  // namespace detail

/// A LibTorch optimizer with Pyro's semantics (Pyro's PyroOptim around a torch.optim class): one
/// optimizer per parameter, created lazily; options fixed or chosen per parameter name; clipping
/// per ClipOptions; state save/load. Usually used through the aliases Adam, AdamW, SGD, RMSprop,
/// Adagrad and ClippedAdam.
///
///   pplx::optim::Adam adam(torch::optim::AdamOptions(1e-2), pplx::optim::ClipOptions().clip_norm(10.0));
///   pplx::optim::SGD sgd([](const std::string& name) {             // per-parameter learning rates
///     return torch::optim::SGDOptions(name == "decoder$$$weight" ? 1e-3 : 1e-2).momentum(0.9); });
template <class TorchOptimizer>
class WrappedOptimizer : public PyroOptim {
 public:
  using Traits = OptimizerTraits<TorchOptimizer>;
  using Options = typename Traits::Options;
  /// Options chosen per parameter name (called once, when the parameter first appears).
  using OptionsFn = std::function<Options(const std::string& param_name)>;

  /// The same options and clipping for every parameter. Throws pplx::ValueError for invalid
  /// options (negative lr, betas outside [0, 1), negative clip bounds...).
  explicit WrappedOptimizer(Options options, ClipOptions clip = {})
      : PyroOptim(per_param_part(clip), clip.global_clip_norm()),
        options_fn_([options](const std::string&) { return options; }) {
    detail::validate_clip(clip, pplx::detail::str("pplx::optim::", Traits::name()));
    detail::checked_make(Traits::name(), "",
                         [&] { return std::make_unique<TorchOptimizer>(std::vector<at::Tensor>{}, options); });
  }
  /// Options and (optionally) clipping chosen per parameter name, like Pyro's callable optim_args.
  explicit WrappedOptimizer(OptionsFn options, ClipFn clip = nullptr)
      : PyroOptim(std::move(clip), c10::nullopt), options_fn_(std::move(options)) {
    PPLX_CHECK_AS(ValueError, options_fn_ != nullptr, "pplx::optim::", Traits::name(), ": options callable is empty");
  }

  std::string name() const override { return Traits::name(); }
  bool supports_graph_safe_step() const override { return detail::has_graph_safe_update<Traits>::value; }

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const at::Tensor& param) override {
    Options options = options_fn_(name);
    return detail::checked_make(Traits::name(), name, [&] {
      return std::make_unique<TorchOptimizer>(std::vector<at::Tensor>{param}, options);
    });
  }

  void save_state(torch::optim::Optimizer& opt, std::vector<std::pair<std::string, at::Tensor>>& out) const override {
    auto& state = static_cast<typename Traits::State&>(*opt.state().begin()->second);
    Traits::fields(state, [&](const char* field, auto& v) {
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, at::Tensor>) {
        if (v.defined()) out.emplace_back(field, v);
      } else {
        out.emplace_back(field, at::scalar_tensor(static_cast<int64_t>(v), at::kLong));
      }
    });
  }

  void load_state(torch::optim::Optimizer& opt, const at::Tensor& param,
                  const std::vector<std::pair<std::string, at::Tensor>>& fields) const override {
    auto state = std::make_unique<typename Traits::State>();
    Traits::fields(*state, [&](const char* field, auto& v) {
      for (const auto& f : fields) {
        if (f.first != field) continue;
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, at::Tensor>) {
          v = f.second.clone();
        } else {
          v = static_cast<std::decay_t<decltype(v)>>(f.second.template item<int64_t>());
        }
      }
    });
    detail::install_state(opt, param, std::move(state));
  }

  bool graph_safe_ready(torch::optim::Optimizer& opt, const at::Tensor& param) const override {
    if constexpr (detail::has_graph_safe_update<Traits>::value) {
      return Traits::graph_safe_ready(state_of(opt), options_of(opt), param);
    } else {
      return false;
    }
  }

  void graph_safe_update(torch::optim::Optimizer& opt, const at::Tensor& param, DeviceCounters& counters,
                         const at::Tensor& apply) const override {
    if constexpr (detail::has_graph_safe_update<Traits>::value)
      Traits::graph_safe_update(param, state_of(opt), options_of(opt), counters, apply);
  }

  int64_t state_step(torch::optim::Optimizer& opt) const override {
    int64_t step = 0;
    if (auto* state = state_of(opt)) {
      Traits::fields(*state, [&](const char* field, auto& v) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, at::Tensor>)
          if (std::string(field) == "step") step = static_cast<int64_t>(v);
      });
    }
    return step;
  }

  void set_state_step(torch::optim::Optimizer& opt, int64_t step) const override {
    if (auto* state = state_of(opt)) {
      Traits::fields(*state, [&](const char* field, auto& v) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, at::Tensor>)
          if (std::string(field) == "step") v = static_cast<std::decay_t<decltype(v)>>(step);
      });
    }
  }

 private:
  // The state of the single parameter of `opt`, or null before its first update.
  static typename Traits::State* state_of(torch::optim::Optimizer& opt) {
    auto& map = opt.state();
    return map.empty() ? nullptr : static_cast<typename Traits::State*>(map.begin()->second.get());
  }
  static const Options& options_of(torch::optim::Optimizer& opt) {
    return static_cast<const Options&>(opt.param_groups().at(0).options());
  }

  static ClipFn per_param_part(ClipOptions clip) {
    clip.global_clip_norm(c10::nullopt);
    return [clip](const std::string&) { return clip; };
  }

  OptionsFn options_fn_;
};

template <>
struct OptimizerTraits<torch::optim::Adam> {
  using Options = torch::optim::AdamOptions;
  using State = torch::optim::AdamParamState;
  static const char* name() { return "Adam"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("step", s.step());
    f("exp_avg", s.exp_avg());
    f("exp_avg_sq", s.exp_avg_sq());
    f("max_exp_avg_sq", s.max_exp_avg_sq());
  }
  static bool graph_safe_ready(const State* s, const Options& o, const at::Tensor& p) {
    return !p.grad().defined() || (s && s->exp_avg().defined() && (!o.amsgrad() || s->max_exp_avg_sq().defined()));
  }
  static void graph_safe_update(const at::Tensor& p, State* s, const Options& o, DeviceCounters& c,
                                const at::Tensor& apply) {
    if (!p.grad().defined()) return;  // LibTorch skips a parameter without a gradient
    detail::adam_update(p, p.grad(), {s->exp_avg(), s->exp_avg_sq(), s->max_exp_avg_sq()}, std::get<0>(o.betas()),
                        std::get<1>(o.betas()), o.eps(), o.weight_decay(), o.amsgrad(), false, c, apply);
  }
};

template <>
struct OptimizerTraits<torch::optim::AdamW> {
  using Options = torch::optim::AdamWOptions;
  using State = torch::optim::AdamWParamState;
  static const char* name() { return "AdamW"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("step", s.step());
    f("exp_avg", s.exp_avg());
    f("exp_avg_sq", s.exp_avg_sq());
    f("max_exp_avg_sq", s.max_exp_avg_sq());
  }
  static bool graph_safe_ready(const State* s, const Options& o, const at::Tensor& p) {
    return !p.grad().defined() || (s && s->exp_avg().defined() && (!o.amsgrad() || s->max_exp_avg_sq().defined()));
  }
  static void graph_safe_update(const at::Tensor& p, State* s, const Options& o, DeviceCounters& c,
                                const at::Tensor& apply) {
    if (!p.grad().defined()) return;
    detail::adam_update(p, p.grad(), {s->exp_avg(), s->exp_avg_sq(), s->max_exp_avg_sq()}, std::get<0>(o.betas()),
                        std::get<1>(o.betas()), o.eps(), o.weight_decay(), o.amsgrad(), true, c, apply);
  }
};

template <>
struct OptimizerTraits<torch::optim::SGD> {
  using Options = torch::optim::SGDOptions;
  using State = torch::optim::SGDParamState;
  static const char* name() { return "SGD"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("momentum_buffer", s.momentum_buffer());
  }
  static bool graph_safe_ready(const State* s, const Options& o, const at::Tensor& p) {
    return !p.grad().defined() || o.momentum() == 0 || (s && s->momentum_buffer().defined());
  }
  static void graph_safe_update(const at::Tensor& p, State* s, const Options& o, DeviceCounters& c,
                                const at::Tensor& apply) {
    if (!p.grad().defined()) return;
    detail::sgd_update(p, p.grad(), s ? s->momentum_buffer() : at::Tensor(), o.momentum(), o.dampening(),
                       o.weight_decay(), o.nesterov(), c, apply);
  }
};

template <>
struct OptimizerTraits<torch::optim::RMSprop> {
  using Options = torch::optim::RMSpropOptions;
  using State = torch::optim::RMSpropParamState;
  static const char* name() { return "RMSprop"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("step", s.step());
    f("square_avg", s.square_avg());
    f("momentum_buffer", s.momentum_buffer());
    f("grad_avg", s.grad_avg());
  }
};

template <>
struct OptimizerTraits<torch::optim::Adagrad> {
  using Options = torch::optim::AdagradOptions;
  using State = torch::optim::AdagradParamState;
  static const char* name() { return "Adagrad"; }
  template <class F>
  static void fields(State& s, F&& f) {
    f("step", s.step());
    f("sum", s.sum());
  }
};

/// torch::optim::Adam with Pyro's semantics: `pplx::optim::Adam(torch::optim::AdamOptions(1e-2))`.
using Adam = WrappedOptimizer<torch::optim::Adam>;
/// torch::optim::AdamW (decoupled weight decay) with Pyro's semantics.
using AdamW = WrappedOptimizer<torch::optim::AdamW>;
/// torch::optim::SGD (momentum, dampening, Nesterov) with Pyro's semantics.
using SGD = WrappedOptimizer<torch::optim::SGD>;
/// torch::optim::RMSprop with Pyro's semantics.
using RMSprop = WrappedOptimizer<torch::optim::RMSprop>;
/// torch::optim::Adagrad with Pyro's semantics.
using Adagrad = WrappedOptimizer<torch::optim::Adagrad>;

}  // namespace optim
}  // namespace pplx
