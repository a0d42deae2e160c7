// SPDX-License-Identifier: Apache-2.0
// AutoMultivariateNormal: a full-covariance Normal over the packed latent vector (Pyro's
// AutoMultivariateNormal).
#pragma once

#include <utility>

#include <torch/arg.h>

#include <pplx/infer/autoguide/auto_continuous.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoMultivariateNormal (Pyro's defaults).
struct AutoMultivariateNormalOptions {
  /// Initial constrained value of each site (the posterior's loc starts there).
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_median();
  /// Initial scale of each unconstrained latent dimension; must be > 0 (pplx::ValueError).
  TORCH_ARG(double, init_scale) = 0.1;
};

namespace detail {
/// AutoMultivariateNormal's shared state.
class AutoMultivariateNormalImpl : public AutoContinuousImpl {
 public:
  explicit AutoMultivariateNormalImpl(AutoMultivariateNormalOptions options);
  /// Fixes loc [D], scale [D] and scale_tril [D, D] (unit diagonal) instead of reading parameters
  /// (laplace_approximation's result; Pyro registers them as buffers).
  void fix(at::Tensor loc, at::Tensor scale, at::Tensor scale_tril);
  /// The posterior's covariance factor scale[:, None] * scale_tril, detached.
  at::Tensor scale_tril();

 protected:
  void setup_posterior() override;
  distributions::DistPtr posterior() override;
  std::pair<at::Tensor, at::Tensor> loc_scale() override;

 private:
  AutoMultivariateNormalOptions options_;
  std::string loc_name_, scale_name_, scale_tril_name_;
  at::Tensor init_scale_, init_scale_tril_;
  at::Tensor fixed_loc_, fixed_scale_, fixed_scale_tril_;
};
}  // namespace detail

/// A multivariate Normal guide over all latent sites packed into one unconstrained vector, with a
/// full covariance (Pyro's AutoMultivariateNormal): parameters `AutoMultivariateNormal.loc` [D],
/// `AutoMultivariateNormal.scale` [D] (softplus_positive) and `AutoMultivariateNormal.scale_tril`
/// [D, D] (unit_lower_cholesky); the covariance's Cholesky factor is scale[:, None] * scale_tril.
/// It captures posterior correlations that mean-field guides miss. Errors as AutoDiagonalNormal.
///
///   auto guide = pplx::infer::autoguide::AutoMultivariateNormal(model);
template <class Model>
class AutoMultivariateNormal : public AutoGuide<Model, detail::AutoMultivariateNormalImpl> {
 public:
  explicit AutoMultivariateNormal(Model model, AutoMultivariateNormalOptions options = {})
      : AutoGuide<Model, detail::AutoMultivariateNormalImpl>(
            std::move(model), std::make_shared<detail::AutoMultivariateNormalImpl>(std::move(options))) {}
  /// Number of unconstrained latent dimensions (after the first call).
  int64_t latent_dim() const { return this->impl_->latent_dim(); }
  /// Cholesky factor [D, D] of the posterior covariance on the unconstrained scale (after the
  /// first call); its covariance is scale_tril() * scale_tril()^T.
  at::Tensor scale_tril() const { return this->impl_->scale_tril(); }
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
