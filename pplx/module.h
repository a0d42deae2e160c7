// SPDX-License-Identifier: Apache-2.0
// Neural networks in models and guides: module (learnable) and random_module (Bayesian).
#pragma once

#include <memory>
#include <string>
#include <typeindex>
#include <typeinfo>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <pplx/module_copies.h>
#include <pplx/prior.h>

namespace pplx {
namespace detail {
void register_module(const std::string& name, torch::nn::Module& module);
std::shared_ptr<torch::nn::Module> random_module(const std::string& name, const torch::nn::Module& module,
                                                 const Prior& prior);
template <class T>
T& deref(const std::shared_ptr<T>& p) {
  return *p;
}
template <class T>
T& deref(const torch::nn::ModuleHolder<T>& h) {
  return *h.ptr();
}
}  // namespace detail

/// Registers the parameters of `module` in the current ParamStore as params named
/// "<name>$$$<parameter name>" (Pyro's pyro.module) so that SVI optimizes them. The store holds
/// the module's own tensors: training updates the module in place. Returns `module`.
///
///   auto net = pplx::module("decoder", decoder);   // inside a model or guide
template <class M>
M module(const std::string& name, M m) {
  detail::register_module(name, detail::deref(m));
  return m;
}

/// Pyro's random_module: a fresh copy of `module` whose parameters are replaced by draws from
/// `prior` at sample sites "<name>$$$<parameter name>" (e.g. "net$$$0.weight"), each one event
/// of the parameter's shape (pplx::Prior::for_param). Gradients flow from the copy's outputs to
/// whatever produced those draws (the guide, under replay). The caller's module is never
/// modified. Parameters with requires_grad == false stay fixed; a parameter without a prior (map
/// form) stays a learnable param. A map key that is not a parameter of the module throws
/// pplx::ValueError listing the valid names; a prior or a value of the wrong shape throws
/// pplx::ShapeError. The copy is fresh as far as anyone can observe: the previous call's copy is
/// handed out again only while nothing else refers to it, refreshed from `module`, and its
/// parameters compute with the draws themselves, not copies (pplx/module_copies.h).
/// Source: pyro/primitives.py random_module (there through poutine.lift).
///
///   auto net = pplx::random_module("net", mlp, dist::Normal(0.0, 1.0));
///   pplx::sample("y", dist::Categorical::with_logits(net->forward(x)), y);
template <class M>
M random_module(const std::string& name, const M& module, const Prior& prior) {
  auto copy = detail::random_module(name, detail::deref(module), prior);
  using Impl = std::remove_reference_t<decltype(detail::deref(module))>;
  auto typed = std::dynamic_pointer_cast<Impl>(copy);
  return M(typed);
}

/// Declares that module type `Impl`, a torch::nn::Cloneable of your own, keeps no state but its
/// parameters, buffers, submodules and what its pretty_print prints, so that random_module may
/// hand out its previous copy of a network containing it again instead of cloning it at every
/// call (pplx/module_copies.h). LibTorch's own modules need no declaration. Without one, a
/// network with a module of yours is cloned at every call: a field pplx cannot see (a
/// temperature you anneal on the original, say) must reach every copy, as in Pyro, which
/// deep-copies the module each time. Thread-safe; call it once, before training. Errors: none.
///
///   pplx::allow_copy_reuse<NetImpl>();   // NetImpl: fc1, fc2 and nothing else
template <class Impl>
void allow_copy_reuse() {
  detail::allow_copy_reuse(std::type_index(typeid(Impl)));
}

}  // namespace pplx
