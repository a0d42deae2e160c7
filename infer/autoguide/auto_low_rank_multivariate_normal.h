// SPDX-License-Identifier: Apache-2.0
// AutoLowRankMultivariateNormal: a low-rank-plus-diagonal Normal over the packed latent vector
// (Pyro's AutoLowRankMultivariateNormal).
#pragma once

#include <cstdint>
#include <utility>

#include <c10/util/Optional.h>
#include <torch/arg.h>

#include <pplx/infer/autoguide/auto_continuous.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoLowRankMultivariateNormal (Pyro's defaults).
struct AutoLowRankMultivariateNormalOptions {
  /// Initial constrained value of each site (the posterior's loc starts there).
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_median();
  /// Approximate initial scale of each unconstrained latent dimension; must be > 0.
  TORCH_ARG(double, init_scale) = 0.1;
  /// Rank of the covariance's low-rank part, in [1, latent_dim]. Unset: round(sqrt(latent_dim)).
  TORCH_ARG(c10::optional<int64_t>, rank) = c10::nullopt;
};

namespace detail {
/// AutoLowRankMultivariateNormal's shared state.
class AutoLowRankMultivariateNormalImpl : public AutoContinuousImpl {
 public:
  explicit AutoLowRankMultivariateNormalImpl(AutoLowRankMultivariateNormalOptions options);
  int64_t rank() const { return rank_; }

 protected:
  void setup_posterior() override;
  distributions::DistPtr posterior() override;
  std::pair<at::Tensor, at::Tensor> loc_scale() override;

 private:
  AutoLowRankMultivariateNormalOptions options_;
  int64_t rank_ = 0;
  std::string loc_name_, scale_name_, cov_factor_name_;
  at::Tensor init_scale_, init_cov_factor_;
};
}  // namespace detail

/// A multivariate Normal guide over the packed unconstrained latent vector whose covariance is
/// low rank plus diagonal (Pyro's AutoLowRankMultivariateNormal): parameters
/// `AutoLowRankMultivariateNormal.loc` [D], `.scale` [D] (softplus_positive) and `.cov_factor`
/// [D, rank]; covariance (cov_factor * scale[:, None]) (...)^T + diag(scale^2). O(D rank^2) per
/// step instead of O(D^3). Throws pplx::ValueError for init_scale <= 0 or a rank < 1 (at
/// construction) and for a rank larger than the latent dimension (first call); otherwise as
/// AutoDiagonalNormal.
///
///   auto guide = ag::AutoLowRankMultivariateNormal(model, ag::AutoLowRankMultivariateNormalOptions().rank(5));
template <class Model>
class AutoLowRankMultivariateNormal : public AutoGuide<Model, detail::AutoLowRankMultivariateNormalImpl> {
 public:
  explicit AutoLowRankMultivariateNormal(Model model, AutoLowRankMultivariateNormalOptions options = {})
      : AutoGuide<Model, detail::AutoLowRankMultivariateNormalImpl>(
            std::move(model), std::make_shared<detail::AutoLowRankMultivariateNormalImpl>(std::move(options))) {}
  /// Number of unconstrained latent dimensions (after the first call).
  int64_t latent_dim() const { return this->impl_->latent_dim(); }
  /// The rank in use (after the first call; the default is chosen then).
  int64_t rank() const { return this->impl_->rank(); }
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
