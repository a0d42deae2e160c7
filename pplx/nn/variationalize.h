// SPDX-License-Identifier: Apache-2.0
// variationalize: the Bayesian version of an ordinary torch::nn network (PyVarInf's Variationalize,
// bayesian-torch's dnn_to_bnn).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <c10/util/Optional.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <pplx/error.h>
#include <pplx/module.h>
#include <pplx/nn/bayesian_layer.h>
#include <pplx/nn/prior.h>

namespace pplx {
namespace nn {

/// Options of variationalize. Defaults are PyVarInf's.
struct VariationalizeOptions {
  /// Posterior means start at zero (PyVarInf's zero_mean = True) or at the network's weights.
  TORCH_ARG(bool, zero_mean) = true;
  /// Initial rho of every posterior. Unset: softplus^-1 of PyVarInf's prior_std (1/sqrt(fan_in)
  /// for weights, 0.01 for biases), as PyVarInf initializes.
  TORCH_ARG(c10::optional<double>, posterior_rho_init) = c10::nullopt;
};

namespace detail {
template <class T>
std::shared_ptr<torch::nn::Module> as_module_ptr(const torch::nn::ModuleHolder<T>& m) {
  return m.ptr();
}
template <class T>
std::shared_ptr<torch::nn::Module> as_module_ptr(const std::shared_ptr<T>& m) {
  return m;
}
}  // namespace detail

/// The non-template part of VariationalImpl.
class VariationalBase : public torch::nn::Module {
 public:
  /// KL divergence of the posterior from the prior, summed over layers (PyVarInf's prior_loss;
  /// the same as kl_divergence(*this)).
  at::Tensor prior_loss();
  /// Number of Linear / Conv layers made Bayesian.
  size_t num_bayesian_layers() const { return slots_.size(); }

 protected:
  VariationalBase() : torch::nn::Module("pplx::nn::Variational") {}
  /// Replaces every Linear and Conv{1,2,3}d in `copy` (a private clone) by a Bayesian layer
  /// registered here; the original layers keep computing, with weights set by draw().
  void build(torch::nn::Module& copy, const Prior& prior, const VariationalizeOptions& options);
  /// Sets each replaced layer's weight and bias for one forward pass (by the layers' WeightMode).
  void draw();

 private:
  struct Slot {
    std::shared_ptr<BayesianLayer> layer;
    std::shared_ptr<torch::nn::Module> target;               ///< the Linear / Conv in the copy
    std::function<void(const BayesianLayer::Weights&)> set;  ///< assigns the target's weight and bias
  };
  std::vector<Slot> slots_;
};

/// A variational version of an ordinary network M (a module holder such as torch::nn::Sequential
/// or a TORCH_MODULE, or a std::shared_ptr to a module). It holds a private copy of the network
/// (`module`) and one Bayesian layer per Linear / Conv{1,2,3}d of it, registered under the layer's
/// path with dots turned into underscores ("features.0" -> "features_0"). forward() draws every
/// layer's weights (sample sites from the prior in WeightMode::model, as BayesianLinear does) and
/// then runs the copy's own forward, so custom modules, nested Sequentials, batch norm and any
/// forward signature work unchanged. Batch norm and other layers keep ordinary (point) parameters.
/// Flipout and the local reparameterization need the layer's own forward and are not available here.
template <class M>
class VariationalImpl : public VariationalBase {
 public:
  VariationalImpl(const M& network, const Prior& prior, const VariationalizeOptions& options = {})
      : module(clone_network(network)) {
    register_module("module", detail::as_module_ptr(module));
    build(pplx::detail::deref(module), prior, options);
  }

  /// Draws the weights, then calls the network's forward with `args`.
  template <class... Args>
  decltype(auto) forward(Args&&... args) {
    draw();
    return module->forward(std::forward<Args>(args)...);
  }

  /// The variational copy of the network. Its Linear / Conv layers still list their original
  /// weight and bias as (frozen, unused) parameters; the weights used are set on every forward().
  M module;

 private:
  static M clone_network(const M& network) {
    using Impl = std::remove_reference_t<decltype(pplx::detail::deref(network))>;
    std::shared_ptr<torch::nn::Module> copy;
    try {
      copy = pplx::detail::deref(network).clone();
    } catch (const c10::Error&) {
      throw ValueError(
          "variationalize: the network cannot be cloned (derive it from torch::nn::Cloneable, e.g. "
          "with TORCH_MODULE); the input is never modified, so a copy is needed");
    }
    return M(std::dynamic_pointer_cast<Impl>(copy));
  }
};

/// Module holder of VariationalImpl<M>.
template <class M>
class Variational : public torch::nn::ModuleHolder<VariationalImpl<M>> {
 public:
  using torch::nn::ModuleHolder<VariationalImpl<M>>::ModuleHolder;
};

/// The variational version of `network`, which is copied and never modified. Every Linear and
/// Conv{1,2,3}d weight and bias becomes a random variable with prior `prior` (by default PyVarInf's
/// 'gaussian') and a mean-field Normal posterior.
///
///   auto bnn = pplx::nn::variationalize(cnn, pplx::nn::priors::mixtgauss(2, 1.0, 0.0025, 0.5));
///   auto model = [&](x, y) { auto logits = bnn->forward(x); ... };        // prior sites
///   auto guide = [&](x, y) { pplx::nn::sample_posterior("cnn", *bnn); };  // posterior sites
template <class M>
Variational<M> variationalize(const M& network, const Prior& prior = priors::gaussian(),
                              const VariationalizeOptions& options = {}) {
  return Variational<M>(std::make_shared<VariationalImpl<M>>(network, prior, options));
}

}  // namespace nn
}  // namespace pplx
