// SPDX-License-Identifier: Apache-2.0
// The module copies random_module computes with: reused from call to call while no one else can
// see them, and bound to each call's draws without copying a weight.
#pragma once

#include <memory>
#include <string>
#include <typeindex>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace pplx {
namespace detail {

/// A copy of `original` for random_module's site prefix `name`, equal to what original.clone()
/// gives now in structure, options, training flags, buffers and frozen parameters (those with
/// requires_grad == false in the original, which stay so in the copy); its other parameters are
/// for the caller to bind (bind_tensor).
///
/// The previous call's copy for the same (original, name) on this thread is handed out again
/// when all of these hold, and a fresh clone replaces it otherwise:
/// - nothing but this cache refers to it, its submodules, parameters or buffers (the caller
///   dropped it and no autograd graph still saves it); only strong references count, so a
///   weak_ptr to a dropped copy still locks and shows the next call's draws;
/// - it was made in the current inference mode;
/// - every module of the tree is one of LibTorch's (torch::nn::...) or of a type declared with
///   pplx::allow_copy_reuse: a field of your own that pplx cannot see (a temperature, say) would
///   otherwise stay as it was when the copy was cloned;
/// - the original still has parameters and buffers of the same names, shapes, dtypes and
///   devices, and the same submodules (names, types, options as pretty_print shows them).
/// Reuse writes into no tensor's storage:
/// frozen parameters and buffers are bound to fresh clones of the original's, so even a detached
/// alias of an earlier copy's tensor keeps its values. The cache keeps the last copy (and its
/// draws) alive until the next call or the original's end.
///
/// Why: Module::clone() re-initialises every parameter (reset(): empty + uniform_) before copying
/// it, three passes over the weights on every call. A fresh clone leaves the default generator's
/// state as it found it, so the caller's draws do not depend on which path was taken; meanwhile
/// the generator follows a seed of the clone's own, so another thread drawing during the clone
/// gets numbers that are not drawn again. Throws pplx::ValueError naming `name` when `original`
/// cannot be cloned.
///
///   auto copy = pplx::detail::module_copy("net", *net);
std::shared_ptr<torch::nn::Module> module_copy(const std::string& name, const torch::nn::Module& original);

/// Adds `type` to the module types module_copy may reuse (pplx::allow_copy_reuse). Thread-safe.
void allow_copy_reuse(std::type_index type);

/// Makes the tensor `target` (a copy's parameter) show `value` without copying it: `target`
/// takes value's data and version counter (set_data: shared storage, so an in-place change of
/// either is seen by autograd through both) and, when value requires grad, value's autograd
/// history, so that gradients of whatever `target` computes reach what produced `value`. Any
/// autograd state `target` had (history, gradient, retain_grad, hooks) is dropped. A leaf
/// `value` is bound through a view of it (its gradient accumulates in value.grad()); a
/// different dtype or device is converted first. Shapes must agree (the caller checks). The
/// binding holds until the next bind_tensor on `target`.
///
///   pplx::detail::bind_tensor(copy_linear->weight, draw);
void bind_tensor(const at::Tensor& target, at::Tensor value);

}  // namespace detail
}  // namespace pplx
