// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_laplace_approximation.h>

#include <torch/csrc/autograd/autograd.h>

#include <pplx/distributions/delta.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoLaplaceApproximationImpl::AutoLaplaceApproximationImpl(AutoLaplaceApproximationOptions options)
    : AutoContinuousImpl("AutoLaplaceApproximation", options.init_loc_fn()) {}

void AutoLaplaceApproximationImpl::setup_posterior() { loc_name_ = prefix_ + ".loc"; }

distributions::DistPtr AutoLaplaceApproximationImpl::posterior() {
  at::Tensor loc = pplx::param(loc_name_, init_loc_);
  ValidationScope no_check(false);  // log_density is the constant 0
  return std::make_shared<distributions::Delta>(loc, 0.0, 1);
}

std::pair<at::Tensor, at::Tensor> AutoLaplaceApproximationImpl::loc_scale() {
  at::Tensor loc = stored(loc_name_, init_loc_, constraints::real);
  return {loc, at::zeros_like(loc)};
}

handlers::TensorMap AutoLaplaceApproximationImpl::quantiles(const std::vector<double>&) {
  throw NotImplementedError(
      "AutoLaplaceApproximation is a point mass (MAP) guide and has no quantiles; take them from its Laplace "
      "approximation: guide.laplace_approximation(args...).quantiles({...}, args...)");
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> AutoLaplaceApproximationImpl::laplace(Trace& guide_trace,
                                                                                     Trace& model_trace) {
  const Site* loc_site = guide_trace.find(loc_name_);
  PPLX_CHECK_AS(SiteError, loc_site && loc_site->type == SiteType::param && loc_site->unconstrained.defined(), name_,
                ".laplace_approximation: the guide trace has no parameter '", loc_name_, "' (is it substituted?)");
  const at::Tensor& loc = loc_site->unconstrained;
  // Pyro: loss = guide_trace.log_prob_sum() - model_trace.log_prob_sum(); H = hessian(loss, loc).
  at::Tensor loss = guide_trace.log_prob_sum() - model_trace.log_prob_sum();
  at::Tensor grad = torch::autograd::grad({loss}, {loc}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  std::vector<at::Tensor> rows;
  for (int64_t i = 0; i < latent_dim_; ++i)
    rows.push_back(torch::autograd::grad({grad[i]}, {loc}, {}, /*retain_graph=*/true)[0]);
  c10::NoGradGuard no_grad;
  at::Tensor hessian = at::stack(rows).detach();
  hessian = 0.5 * (hessian + hessian.transpose(0, 1));  // symmetric up to rounding
  auto [hessian_tril, info] = at::linalg_cholesky_ex(hessian);
  PPLX_CHECK_AS(ValueError, info.item<int64_t>() == 0, name_,
                ".laplace_approximation: the Hessian of -log p at loc is not positive definite, so loc is not a local "
                "MAP yet; train the guide longer (or check the model is identifiable)");
  at::Tensor cov = at::cholesky_inverse(hessian_tril);
  at::Tensor scale = cov.diagonal().sqrt();
  at::Tensor corr = cov / scale.unsqueeze(-1) / scale.unsqueeze(0);
  return {loc.detach().clone(), scale, at::linalg_cholesky(corr)};
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
