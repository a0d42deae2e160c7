// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/serialize.h>

#include <cmath>
#include <map>
#include <set>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <pplx/archive.h>
#include <pplx/distributions/distribution.h>
#include <pplx/error.h>
#include <pplx/nn/posterior.h>

namespace pplx {
namespace nn {
namespace {

constexpr const char* kKind = "posterior";
constexpr const char* kHeader = "pplx.nn.posterior";

// The tensors of `module` that are not a Bayesian layer's mu / rho: trainable parameters (frozen
// ones are variationalize's replaced weights, which carry nothing) and all buffers.
std::vector<std::pair<std::string, at::Tensor>> other_tensors(torch::nn::Module& module) {
  std::set<const void*> bayesian;
  for (auto& item : bayesian_layers(module)) {
    auto* l = item.second;
    for (const at::Tensor* t : {&l->weight_mu, &l->weight_rho, &l->bias_mu, &l->bias_rho})
      if (t->defined()) bayesian.insert(t->unsafeGetTensorImpl());
  }
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    if (!p.value().requires_grad() || bayesian.count(p.value().unsafeGetTensorImpl())) continue;
    out.emplace_back("module:" + p.key(), p.value());
  }
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace_back("module:" + b.key(), b.value());
  return out;
}

const at::Tensor& mu_of(const BayesianLayer& l, const std::string& param) {
  return param == "weight" ? l.weight_mu : l.bias_mu;
}
const at::Tensor& rho_of(const BayesianLayer& l, const std::string& param) {
  return param == "weight" ? l.weight_rho : l.bias_rho;
}

}  // namespace

void save_posterior(const std::string& path, const std::string& prefix, torch::nn::Module& module) {
  PPLX_CHECK_AS(ValueError, !prefix.empty(), "save_posterior: the prefix (the network's name) must not be empty");
  set_site_names(prefix, module);
  std::vector<io::Record> records;
  auto layers = bayesian_layers(module);
  records.push_back({kHeader,
                     pplx::detail::str("format 1; sites named ", prefix, ".*; ", layers.size(),
                                       " Bayesian layers; posteriors Normal(loc, scale)"),
                     at::zeros({0})});
  c10::NoGradGuard no_grad;
  for (auto& item : layers) {
    const BayesianLayer& l = *item.second;
    for (const auto& param : l.random_parameters()) {
      const std::string site = l.site(param);
      const std::string meta =
          pplx::detail::str("Normal posterior of ", l.describe(), " ", param, "; prior ", l.prior_spec().description());
      records.push_back({site + ".loc", meta, mu_of(l, param).detach().cpu().contiguous()});
      records.push_back({site + ".scale", meta, at::softplus(rho_of(l, param)).detach().cpu().contiguous()});
    }
  }
  for (auto& [name, t] : other_tensors(module)) records.push_back({name, "tensor", t.detach().cpu().contiguous()});
  io::write_archive(path, kKind, records);
}

void load_posterior(const std::string& path, const std::string& prefix, torch::nn::Module& module) {
  PPLX_CHECK_AS(ValueError, !prefix.empty(), "load_posterior: the prefix (the network's name) must not be empty");
  set_site_names(prefix, module);
  auto records = io::read_archive(path, kKind);
  std::map<std::string, at::Tensor> by_name;
  for (auto& r : records) by_name[r.name] = r.tensor;
  PPLX_CHECK_AS(IOError, by_name.count(kHeader), "load_posterior: '", path,
                "' is an archive of kind 'posterior' without the pplx.nn.posterior header");
  by_name.erase(kHeader);

  // First match everything, then copy: a mismatching file leaves the module untouched.
  struct Copy {
    at::Tensor dst;
    at::Tensor src;
    bool scale_to_rho;
  };
  std::vector<Copy> copies;
  std::vector<std::string> missing, wrong_shape;
  auto want = [&](const std::string& name, const at::Tensor& dst, bool scale_to_rho) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      missing.push_back(name);
      return;
    }
    if (it->second.sizes() != dst.sizes()) {
      wrong_shape.push_back(pplx::detail::str(name, " (file ", distributions::shape_str(it->second.sizes()),
                                              ", module ", distributions::shape_str(dst.sizes()), ")"));
    } else {
      copies.push_back({dst, it->second, scale_to_rho});
    }
    by_name.erase(it);
  };
  for (auto& item : bayesian_layers(module)) {
    const BayesianLayer& l = *item.second;
    for (const auto& param : l.random_parameters()) {
      want(l.site(param) + ".loc", mu_of(l, param), false);
      want(l.site(param) + ".scale", rho_of(l, param), true);
    }
  }
  for (auto& [name, t] : other_tensors(module)) want(name, t, false);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::vector<std::string> unexpected;
  for (auto& kv : by_name) unexpected.push_back(kv.first);
  PPLX_CHECK_AS(IOError, missing.empty() && wrong_shape.empty() && unexpected.empty(), "load_posterior: '", path,
                "' does not match the network named '", prefix, "'.",
                missing.empty() ? "" : " Missing from the file: " + join(missing) + ".",
                wrong_shape.empty() ? "" : " Different shapes: " + join(wrong_shape) + ".",
                unexpected.empty() ? "" : " In the file but not in the network: " + join(unexpected) + ".");
  c10::NoGradGuard no_grad;
  for (auto& c : copies) {
    at::Tensor src = c.src.to(c.dst.device(), at::kDouble);
    if (c.scale_to_rho) {
      PPLX_CHECK_AS(IOError, (src > 0).all().item<bool>(), "load_posterior: '", path,
                    "' holds a non-positive posterior scale");
      // rho = softplus^-1(scale) = log(expm1(scale)); for large scales softplus is the identity.
      src = at::where(src > 20, src, at::log(at::expm1(src)));
    }
    c.dst.copy_(src);
  }
}

}  // namespace nn
}  // namespace pplx
