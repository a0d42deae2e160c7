// SPDX-License-Identifier: Apache-2.0
#include <pplx/optim/multi.h>

#include <algorithm>

#include <torch/csrc/autograd/autograd.h>

#include <pplx/error.h>

namespace pplx {
namespace optim {

PyroMultiOptimizer::PyroMultiOptimizer(std::shared_ptr<PyroOptim> optim) : optim_(std::move(optim)) {
  PPLX_CHECK_AS(ValueError, optim_ != nullptr, "PyroMultiOptimizer: optimizer is null");
}

void PyroMultiOptimizer::step(const at::Tensor& loss, const NamedTensors& params) {
  PPLX_CHECK(!params.empty(), "PyroMultiOptimizer.step: no parameters to update");
  PPLX_CHECK_AS(ValueError, loss.defined() && loss.numel() == 1 && loss.requires_grad(),
                "PyroMultiOptimizer.step: loss must be a scalar tensor that depends on the parameters");
  std::vector<at::Tensor> inputs;
  inputs.reserve(params.size());
  for (const auto& p : params) inputs.push_back(p.second);
  // retain_graph: other parts of a MixedMultiOptimizer differentiate the same loss afterwards.
  auto grads = torch::autograd::grad({loss}, inputs, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                     /*allow_unused=*/true);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i].mutable_grad() = grads[i];
  try {
    optim_->step(params);
  } catch (...) {
    for (auto& t : inputs) t.mutable_grad() = at::Tensor();
    throw;
  }
  for (auto& t : inputs) t.mutable_grad() = at::Tensor();
}

MixedMultiOptimizer::MixedMultiOptimizer(
    std::vector<std::pair<std::vector<std::string>, std::shared_ptr<MultiOptimizer>>> parts) {
  for (auto& p : parts) add(std::move(p.first), std::move(p.second));
}

MixedMultiOptimizer& MixedMultiOptimizer::add(std::vector<std::string> names, std::shared_ptr<MultiOptimizer> optim) {
  PPLX_CHECK_AS(ValueError, optim != nullptr, "MixedMultiOptimizer.add: optimizer is null");
  for (size_t i = 0; i < names.size(); ++i) {
    for (const auto& part : parts_)
      PPLX_CHECK_AS(ValueError, std::find(part.names.begin(), part.names.end(), names[i]) == part.names.end(),
                    "MixedMultiOptimizer: multiple optimizers defined for parameter '", names[i], "'");
    PPLX_CHECK_AS(ValueError, std::find(names.begin(), names.begin() + i, names[i]) == names.begin() + i,
                  "MixedMultiOptimizer: parameter '", names[i], "' listed twice");
  }
  parts_.push_back({std::move(names), nullptr, std::move(optim)});
  return *this;
}

MixedMultiOptimizer& MixedMultiOptimizer::add(Predicate predicate, std::shared_ptr<MultiOptimizer> optim) {
  PPLX_CHECK_AS(ValueError, optim != nullptr && predicate != nullptr,
                "MixedMultiOptimizer.add: null optimizer or predicate");
  parts_.push_back({{}, std::move(predicate), std::move(optim)});
  return *this;
}

void MixedMultiOptimizer::step(const at::Tensor& loss, const NamedTensors& params) {
  PPLX_CHECK(!parts_.empty(), "MixedMultiOptimizer.step: no optimizers were added");
  scratch_.resize(parts_.size());
  for (auto& s : scratch_) s.clear();
  for (size_t k = 0; k < parts_.size(); ++k) {
    for (const auto& n : parts_[k].names) {
      auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == n; });
      PPLX_CHECK_AS(SiteError, it != params.end(), "MixedMultiOptimizer.step: parameter '", n,
                    "' is routed to an optimizer but missing from this step's parameters");
    }
  }
  for (const auto& p : params) {
    int64_t owner = -1;
    for (size_t k = 0; k < parts_.size(); ++k) {
      const auto& part = parts_[k];
      const bool takes = part.predicate ? part.predicate(p.first)
                                        : std::find(part.names.begin(), part.names.end(), p.first) != part.names.end();
      if (!takes) continue;
      PPLX_CHECK_AS(ValueError, owner < 0, "MixedMultiOptimizer.step: parameter '", p.first,
                    "' is routed to two optimizers (parts ", owner, " and ", k, ")");
      owner = static_cast<int64_t>(k);
    }
    PPLX_CHECK_AS(ValueError, owner >= 0, "MixedMultiOptimizer.step: no optimizer is routed parameter '", p.first,
                  "'; add it to a part, or leave it out of the step's parameters");
    scratch_[owner].push_back(p);
  }
  for (size_t k = 0; k < parts_.size(); ++k)
    if (!scratch_[k].empty()) parts_[k].optim->step(loss, scratch_[k]);
}

}  // namespace optim
}  // namespace pplx
