// SPDX-License-Identifier: Apache-2.0
// Optimizers that take the loss: step(loss, params) (pyro/optim/multi.py).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/optim/pyro_optim.h>

namespace pplx {
namespace optim {

/// An optimizer that is given the loss and the parameters, Pyro's MultiOptimizer: it may take
/// gradients itself (or higher derivatives). Not thread-safe.
///
///   optim.step(loss, pplx::named_params(param_trace));
class MultiOptimizer {
 public:
  virtual ~MultiOptimizer() = default;
  /// Updates `params` (name -> unconstrained leaf tensor) to decrease `loss`. The autograd graph
  /// of `loss` is kept, so several optimizers can step on parts of the same loss.
  virtual void step(const at::Tensor& loss, const NamedTensors& params) = 0;
};

/// A PyroOptim as a MultiOptimizer (Pyro's PyroMultiOptimizer): computes d loss / d params and
/// steps them. The gradients are not left in `.grad`.
///
///   auto adam = std::make_shared<pplx::optim::PyroMultiOptimizer>(pplx::optim::Adam(torch::optim::AdamOptions(0.1)));
class PyroMultiOptimizer : public MultiOptimizer {
 public:
  explicit PyroMultiOptimizer(std::shared_ptr<PyroOptim> optim);
  /// Takes ownership of an optimizer: `PyroMultiOptimizer(pplx::optim::Adam(...))`.
  template <class O,
            class = std::enable_if_t<std::is_base_of_v<PyroOptim, std::decay_t<O>> && !std::is_lvalue_reference_v<O>>>
  explicit PyroMultiOptimizer(O&& optim) : PyroMultiOptimizer(std::make_shared<std::decay_t<O>>(std::move(optim))) {}

  void step(const at::Tensor& loss, const NamedTensors& params) override;
  PyroOptim& optim() { return *optim_; }

 private:
  std::shared_ptr<PyroOptim> optim_;
};

/// Routes parameters to different optimizers, by name or by predicate (Pyro's MixedMultiOptimizer).
/// A parameter must be routed to exactly one part: a parameter no part takes, or one two parts
/// take, is a pplx::ValueError at step time, and a name a part lists that is missing from the
/// step's parameters is a pplx::SiteError (as Pyro's KeyError).
///
///   pplx::optim::MixedMultiOptimizer optim;
///   optim.add({"loc", "scale"}, pplx::optim::Adam(torch::optim::AdamOptions(0.1)))
///        .add([](const std::string& n) { return n.rfind("net$$$", 0) == 0; },
///             pplx::optim::SGD(torch::optim::SGDOptions(0.01)));
///   optim.step(loss, params);
class MixedMultiOptimizer : public MultiOptimizer {
 public:
  using Predicate = std::function<bool(const std::string& param_name)>;

  MixedMultiOptimizer() = default;
  /// Pyro's form: a list of (parameter names, optimizer). Throws pplx::ValueError when a name is
  /// listed twice.
  explicit MixedMultiOptimizer(std::vector<std::pair<std::vector<std::string>, std::shared_ptr<MultiOptimizer>>> parts);

  /// Routes the listed parameters to `optim`. Throws pplx::ValueError for a name already routed.
  MixedMultiOptimizer& add(std::vector<std::string> names, std::shared_ptr<MultiOptimizer> optim);
  /// Routes every parameter whose name satisfies `predicate` to `optim`.
  MixedMultiOptimizer& add(Predicate predicate, std::shared_ptr<MultiOptimizer> optim);
  /// Convenience: a PyroOptim (Adam, SGD...) wrapped in a PyroMultiOptimizer.
  template <class Key, class O,
            class = std::enable_if_t<std::is_base_of_v<PyroOptim, std::decay_t<O>> && !std::is_lvalue_reference_v<O>>>
  MixedMultiOptimizer& add(Key&& key, O&& optim) {
    return add(std::forward<Key>(key),
               std::shared_ptr<MultiOptimizer>(std::make_shared<PyroMultiOptimizer>(std::move(optim))));
  }
  MixedMultiOptimizer& add(std::initializer_list<std::string> names, std::shared_ptr<MultiOptimizer> optim) {
    return add(std::vector<std::string>(names), std::move(optim));
  }
  template <class O,
            class = std::enable_if_t<std::is_base_of_v<PyroOptim, std::decay_t<O>> && !std::is_lvalue_reference_v<O>>>
  MixedMultiOptimizer& add(std::initializer_list<std::string> names, O&& optim) {
    return add(std::vector<std::string>(names), std::move(optim));
  }

  void step(const at::Tensor& loss, const NamedTensors& params) override;

 private:
  struct Part {
    std::vector<std::string> names;
    Predicate predicate;
    std::shared_ptr<MultiOptimizer> optim;
  };
  std::vector<Part> parts_;
  std::vector<NamedTensors> scratch_;
};

}  // namespace optim
}  // namespace pplx
