// SPDX-License-Identifier: Apache-2.0
// AutoDiagonalNormal: a diagonal Normal over the packed latent vector (Pyro's AutoDiagonalNormal).
#pragma once

#include <utility>

#include <torch/arg.h>

#include <pplx/infer/autoguide/auto_continuous.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoDiagonalNormal (Pyro's defaults).
struct AutoDiagonalNormalOptions {
  /// Initial constrained value of each site (the posterior's loc starts there).
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_median();
  /// Initial scale of each unconstrained latent dimension; must be > 0 (pplx::ValueError).
  TORCH_ARG(double, init_scale) = 0.1;
};

namespace detail {
/// AutoDiagonalNormal's shared state.
class AutoDiagonalNormalImpl : public AutoContinuousImpl {
 public:
  explicit AutoDiagonalNormalImpl(AutoDiagonalNormalOptions options);

 protected:
  void setup_posterior() override;
  distributions::DistPtr posterior() override;
  std::pair<at::Tensor, at::Tensor> loc_scale() override;

 private:
  AutoDiagonalNormalOptions options_;
  std::string loc_name_, scale_name_;
  at::Tensor init_scale_;
};
}  // namespace detail

/// A diagonal Normal guide over all latent sites packed into one unconstrained vector (Pyro's
/// AutoDiagonalNormal): parameters `AutoDiagonalNormal.loc` and `AutoDiagonalNormal.scale`
/// (softplus_positive), each [latent_dim]. Same family as AutoNormal, but one vector instead of
/// per-site parameters. Throws pplx::ValueError for init_scale <= 0, and on the first call for a
/// model without latent sites or with a discrete one; pplx::NotImplementedError for a latent site
/// in a subsampled plate.
///
///   auto guide = pplx::infer::autoguide::AutoDiagonalNormal(model);
template <class Model>
class AutoDiagonalNormal : public AutoGuide<Model, detail::AutoDiagonalNormalImpl> {
 public:
  explicit AutoDiagonalNormal(Model model, AutoDiagonalNormalOptions options = {})
      : AutoGuide<Model, detail::AutoDiagonalNormalImpl>(
            std::move(model), std::make_shared<detail::AutoDiagonalNormalImpl>(std::move(options))) {}
  /// Number of unconstrained latent dimensions (after the first call).
  int64_t latent_dim() const { return this->impl_->latent_dim(); }
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
