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
#include <pplx/optim/pyro_optim.h>

namespace pplx {
namespace optim {

/// What WrappedOptimizer needs to know about a LibTorch optimizer: its options and per-parameter
/// state types, a name for files and errors, and the state fields to save. Specialize it to wrap
/// another optimizer (see clipped_adam.h).
template <class TorchOptimizer>
struct OptimizerTraits;

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
    detail::checked_make(Traits::name(), "", [&] {
      return std::make_unique<TorchOptimizer>(std::vector<at::Tensor>{}, options);
    });
  }
  /// Options and (optionally) clipping chosen per parameter name, like Pyro's callable optim_args.
  explicit WrappedOptimizer(OptionsFn options, ClipFn clip = nullptr)
      : PyroOptim(std::move(clip), c10::nullopt), options_fn_(std::move(options)) {
    PPLX_CHECK_AS(ValueError, options_fn_ != nullptr, "pplx::optim::", Traits::name(), ": options callable is empty");
  }

  std::string name() const override { return Traits::name(); }

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

 private:
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
