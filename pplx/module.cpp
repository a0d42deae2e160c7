// SPDX-License-Identifier: Apache-2.0
#include <pplx/module.h>

#include <torch/csrc/autograd/grad_mode.h>

#include <pplx/error.h>
#include <pplx/module_copies.h>
#include <pplx/param_store.h>
#include <pplx/primitives.h>

namespace pplx {
namespace detail {

void register_module(const std::string& name, torch::nn::Module& module) {
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    at::Tensor& p = item.value();
    if (!p.requires_grad()) continue;
    const std::string site = name + kModuleSeparator + item.key();
    at::Tensor v = param(site, p);
    if (v.is_same(p)) continue;
    if (v.is_leaf() && get_param_store().contains(site) && get_param_store().get_unconstrained(site).is_same(v)) {
      // The store holds another tensor (e.g. loaded from a file): copy its value into the module
      // and let the store adopt the module's tensor, so both stay one parameter.
      {
        torch::NoGradGuard no_grad;
        p.copy_(v);
      }
      get_param_store().set(site, p);
    } else {
      // Substituted, replayed or lifted value: make the module compute with it.
      torch::NoGradGuard no_grad;
      p.copy_(v);
    }
  }
}

std::shared_ptr<torch::nn::Module> random_module(const std::string& name, const torch::nn::Module& module,
                                                 const Prior& prior) {
  std::shared_ptr<torch::nn::Module> copy = module_copy(name, module);
  auto params = copy->named_parameters(/*recurse=*/true);
  if (prior.is_map()) {
    for (const auto& key : prior.keys()) {
      if (params.contains(key)) continue;
      std::string valid;
      for (const auto& item : params) valid += (valid.empty() ? "" : ", ") + item.key();
      throw ValueError("random_module '", name, "': prior given for '", key,
                       "', which is not a parameter of the module; its parameters are: ", valid);
    }
  }
  const auto original = module.named_parameters(/*recurse=*/true);
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor& p = params[i].value();
    const at::Tensor& orig = original[i].value();  // module_copy keeps the structure: same order
    if (!orig.requires_grad()) continue;           // frozen parameters stay as they are
    // Each parameter with a prior is a sample site (what Pyro's lift makes of the param site);
    // one without (map form) is a param whose store entry starts from the parameter's value
    // (ParamStore::set copies it). The prior sees the caller's parameter (a function prior gets
    // it detached), e.g. to centre on pretrained weights.
    const std::string site = name + kModuleSeparator + params[i].key();
    distributions::DistPtr fn;
    try {
      fn = prior.for_param(params[i].key(), orig);
    } catch (const ShapeError& e) {
      throw ShapeError("random_module '", name, "': ", e.what());
    }
    at::Tensor v = fn ? sample(site, fn) : param(site, orig.detach());
    PPLX_CHECK_AS(ShapeError, v.sizes() == p.sizes(), "random_module '", name, "': the prior for '", params[i].key(),
                  "' gives values of shape ", distributions::shape_str(v.sizes()), " but the parameter has shape ",
                  distributions::shape_str(p.sizes()));
    // The copy computes with the value itself (no copy of a weight), differentiably in whatever
    // produced it: the guide's parameters, under replay.
    bind_tensor(p, v);
  }
  return copy;
}

}  // namespace detail
}  // namespace pplx
