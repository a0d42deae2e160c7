// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/svi.h>

#include <cmath>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace detail {

SVIBase::SVIBase(std::shared_ptr<optim::PyroOptim> optim, SVIOptions options)
    : optim_(std::move(optim)), options_(options) {
  PPLX_CHECK_AS(ValueError, optim_ != nullptr, "SVI: optimizer is null");
}
SVIBase::~SVIBase() = default;

CudaGraphStats SVIBase::cuda_graph_stats() const { return graphs_ ? graphs_->stats() : CudaGraphStats(); }

CudaGraphSteps& SVIBase::graphs() {
  if (!graphs_) graphs_ = std::make_unique<CudaGraphSteps>(*optim_, param_trace_);
  return *graphs_;
}

void SVIBase::check_scalar(const at::Tensor& loss) {
  PPLX_CHECK_AS(ShapeError, loss.defined() && loss.numel() == 1, "SVI: the loss must be a scalar tensor, got ",
                loss.defined() ? distributions::shape_str(loss.sizes()) : std::string("an undefined tensor"));
}

double SVIBase::finish_step(const at::Tensor& loss, const ELBO* elbo, distributions::DeferredValidation& deferred) {
  check_scalar(loss);
  // The one host read of a step: the loss, NaN if a queued validation check failed. Then the
  // checks rerun on the host only when something is wrong, to name what.
  const double value = deferred.read(loss);
  if (std::isfinite(value)) {
    update(loss);
    return value;
  }
  params_ = named_params(param_trace_);
  zero_grads();
  if (options_.skip_non_finite()) {
    ++num_skipped_;
    return value;
  }
  throw_non_finite(value, elbo);
}

void SVIBase::throw_non_finite(double value, const ELBO* elbo) const {
  std::string culprit = elbo ? elbo->describe_non_finite() : std::string();
  if (culprit.empty())
    culprit = elbo ? "every site's log-density is finite; the non-finite value came from combining them "
                     "(e.g. inf - inf) or from a KL term"
                   : "the loss is a custom callable, so pplx cannot name the site; a TraceELBO would";
  throw NonFiniteLossError("SVI.step: the loss is ", value, ". First non-finite term: ", culprit,
                           ". Check the data, the parameter initializations and the learning rate, or pass "
                           "SVIOptions().skip_non_finite(true) to skip such steps");
}

at::Tensor SVIBase::finish_step_graph_safe(const at::Tensor& loss, distributions::DeferredValidation& deferred) {
  check_scalar(loss);
  const at::Tensor guarded = deferred.guard(loss.detach()).reshape({});
  backward(loss);
  // Eager step() reads the loss before updating; here the device decides: a non-finite loss (or a
  // failed check) leaves parameters and optimizer state as they were.
  optim_->graph_safe_step(params_, at::isfinite(guarded));
  zero_grads();
  return guarded;
}

double SVIBase::read_graph_safe_loss(const at::Tensor& loss, const ELBO* elbo, c10::function_ref<double()> reevaluate) {
  const double value = loss.item<double>();  // the one host read of the step
  if (std::isfinite(value)) return value;
  // The graph ran no host code to explain the value: rerun the loss eagerly at the same
  // parameters (the update was skipped). As in step(), a failed validation check throws its own
  // error from there, before skip_non_finite is considered.
  const double again = reevaluate();
  if (options_.skip_non_finite()) {
    ++num_skipped_;
    return value;
  }
  if (!std::isfinite(again)) throw_non_finite(again, elbo);
  throw NonFiniteLossError("SVI.step (CUDA graph): the loss is ", value,
                           " and the parameters were not updated. Rerun eagerly at the same "
                           "parameters the loss is finite (",
                           again,
                           "), so a random draw of that step made it non-finite. Pass "
                           "SVIOptions().skip_non_finite(true) to skip such steps");
}

at::Tensor SVIBase::finish_step_async(const at::Tensor& loss, distributions::DeferredValidation& deferred) {
  check_scalar(loss);
  at::Tensor guarded = deferred.guard(loss.detach());
  update(loss);
  return guarded;
}

void SVIBase::backward(const at::Tensor& loss) {
  params_ = named_params(param_trace_);
  PPLX_CHECK(!params_.empty(),
             "SVI.step: the model and guide have no pplx::param sites (or all are substituted), "
             "so there is nothing to optimize");
  PPLX_CHECK(loss.requires_grad(),
             "SVI.step: the loss does not depend on any parameter (no autograd history); "
             "was it computed under torch::NoGradGuard or from detached values?");
  loss.backward();
}

void SVIBase::update(const at::Tensor& loss) {
  backward(loss);
  optim_->step(params_);
  zero_grads();
}

void SVIBase::zero_grads() {
  // Pyro zeroes the gradients it stepped; an undefined gradient means zero and costs no kernel.
  for (auto& p : params_) p.second.mutable_grad() = at::Tensor();
}

}  // namespace detail
}  // namespace infer
}  // namespace pplx
