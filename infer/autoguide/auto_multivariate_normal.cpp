// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_multivariate_normal.h>

#include <c10/core/GradMode.h>

#include <pplx/distributions/multivariate_normal.h>
#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoMultivariateNormalImpl::AutoMultivariateNormalImpl(AutoMultivariateNormalOptions options)
    : AutoContinuousImpl("AutoMultivariateNormal", options.init_loc_fn()), options_(std::move(options)) {
  PPLX_CHECK_AS(ValueError, options_.init_scale() > 0, "AutoMultivariateNormal: init_scale must be > 0, got ",
                options_.init_scale());
}

void AutoMultivariateNormalImpl::setup_posterior() {
  loc_name_ = prefix_ + ".loc";
  scale_name_ = prefix_ + ".scale";
  scale_tril_name_ = prefix_ + ".scale_tril";
  init_scale_ = at::full_like(init_loc_, options_.init_scale());
  init_scale_tril_ = at::eye(latent_dim_, init_loc_.options());
}

void AutoMultivariateNormalImpl::fix(at::Tensor loc, at::Tensor scale, at::Tensor scale_tril) {
  fixed_loc_ = std::move(loc);
  fixed_scale_ = std::move(scale);
  fixed_scale_tril_ = std::move(scale_tril);
}

distributions::DistPtr AutoMultivariateNormalImpl::posterior() {
  if (fixed_loc_.defined())
    return std::make_shared<distributions::MultivariateNormal>(fixed_loc_,
                                                               fixed_scale_.unsqueeze(-1) * fixed_scale_tril_);
  at::Tensor loc = pplx::param(loc_name_, init_loc_);
  at::Tensor scale = pplx::param(scale_name_, init_scale_, constraints::softplus_positive);
  at::Tensor scale_tril = pplx::param(scale_tril_name_, init_scale_tril_, constraints::unit_lower_cholesky);
  return std::make_shared<distributions::MultivariateNormal>(loc, scale.unsqueeze(-1) * scale_tril);
}

at::Tensor AutoMultivariateNormalImpl::scale_tril() {
  PPLX_CHECK_AS(ValueError, set_up_, name_, ".scale_tril(): the guide has not run yet");
  c10::NoGradGuard no_grad;
  if (fixed_loc_.defined()) return fixed_scale_.unsqueeze(-1) * fixed_scale_tril_;
  return stored(scale_name_, init_scale_, constraints::softplus_positive).unsqueeze(-1) *
         stored(scale_tril_name_, init_scale_tril_, constraints::unit_lower_cholesky);
}

std::pair<at::Tensor, at::Tensor> AutoMultivariateNormalImpl::loc_scale() {
  at::Tensor loc = fixed_loc_.defined() ? fixed_loc_ : stored(loc_name_, init_loc_, constraints::real);
  return {loc, scale_tril().pow(2).sum(-1).sqrt()};
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
