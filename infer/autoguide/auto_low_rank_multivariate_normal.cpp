// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_low_rank_multivariate_normal.h>

#include <cmath>

#include <pplx/distributions/low_rank_multivariate_normal.h>
#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoLowRankMultivariateNormalImpl::AutoLowRankMultivariateNormalImpl(AutoLowRankMultivariateNormalOptions options)
    : AutoContinuousImpl("AutoLowRankMultivariateNormal", options.init_loc_fn()), options_(std::move(options)) {
  PPLX_CHECK_AS(ValueError, options_.init_scale() > 0, "AutoLowRankMultivariateNormal: init_scale must be > 0, got ",
                options_.init_scale());
  PPLX_CHECK_AS(ValueError, !options_.rank() || *options_.rank() > 0,
                "AutoLowRankMultivariateNormal: rank must be >= 1, got ", options_.rank().value_or(0),
                " (leave it unset for round(sqrt(latent_dim)))");
}

void AutoLowRankMultivariateNormalImpl::setup_posterior() {
  rank_ = options_.rank().value_or(
      std::max<int64_t>(1, static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(latent_dim_))))));
  PPLX_CHECK_AS(ValueError, rank_ <= latent_dim_, "AutoLowRankMultivariateNormal: rank ", rank_,
                " is larger than the latent dimension ", latent_dim_,
                " (the unconstrained sizes of all latent sites); use a rank in [1, ", latent_dim_,
                "], or AutoMultivariateNormal for a full covariance");
  loc_name_ = prefix_ + ".loc";
  scale_name_ = prefix_ + ".scale";
  cov_factor_name_ = prefix_ + ".cov_factor";
  init_scale_ = at::full_like(init_loc_, std::sqrt(0.5) * options_.init_scale());
  // Pyro: normal_(0, 1/sqrt(rank)), so that cov_factor cov_factor^T is about the identity.
  init_cov_factor_ = at::randn({latent_dim_, rank_}, init_loc_.options()) / std::sqrt(static_cast<double>(rank_));
}

distributions::DistPtr AutoLowRankMultivariateNormalImpl::posterior() {
  at::Tensor loc = pplx::param(loc_name_, init_loc_);
  at::Tensor scale = pplx::param(scale_name_, init_scale_, constraints::softplus_positive);
  at::Tensor cov_factor = pplx::param(cov_factor_name_, init_cov_factor_);
  return std::make_shared<distributions::LowRankMultivariateNormal>(loc, cov_factor * scale.unsqueeze(-1),
                                                                    scale * scale);
}

std::pair<at::Tensor, at::Tensor> AutoLowRankMultivariateNormalImpl::loc_scale() {
  at::Tensor scale = stored(scale_name_, init_scale_, constraints::softplus_positive);
  at::Tensor cov_factor = stored(cov_factor_name_, init_cov_factor_, constraints::real);
  return {stored(loc_name_, init_loc_, constraints::real), scale * (cov_factor.pow(2).sum(-1) + 1).sqrt()};
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
