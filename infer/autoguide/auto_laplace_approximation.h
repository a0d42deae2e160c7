// SPDX-License-Identifier: Apache-2.0
// AutoLaplaceApproximation: a MAP guide on the unconstrained scale whose Laplace approximation is an
// AutoMultivariateNormal (Pyro's AutoLaplaceApproximation).
#pragma once

#include <tuple>
#include <utility>

#include <c10/core/GradMode.h>
#include <torch/arg.h>

#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/infer/autoguide/auto_continuous.h>
#include <pplx/infer/autoguide/auto_multivariate_normal.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoLaplaceApproximation (Pyro's defaults).
struct AutoLaplaceApproximationOptions {
  /// Initial constrained value of each site (the MAP search starts there).
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_median();
};

namespace detail {
/// AutoLaplaceApproximation's shared state.
class AutoLaplaceApproximationImpl : public AutoContinuousImpl {
 public:
  explicit AutoLaplaceApproximationImpl(AutoLaplaceApproximationOptions options);
  /// Pyro's laplace_approximation arithmetic: from a guide trace and the model replayed on it,
  /// the MAP loc [D], the marginal scales [D] and the Cholesky factor [D, D] of the correlation
  /// matrix, from the inverse Hessian of -log p(x, z) (plus the log-Jacobians) at loc. Throws
  /// pplx::ValueError when the Hessian is not positive definite (loc is not a local MAP yet).
  std::tuple<at::Tensor, at::Tensor, at::Tensor> laplace(Trace& guide_trace, Trace& model_trace);
  /// Quantiles are undefined for a point mass guide: pplx::NotImplementedError, pointing to
  /// laplace_approximation().
  handlers::TensorMap quantiles(const std::vector<double>& quantiles) override;

 protected:
  void setup_posterior() override;
  distributions::DistPtr posterior() override;
  std::pair<at::Tensor, at::Tensor> loc_scale() override;

 private:
  std::string loc_name_;
};
}  // namespace detail

/// A MAP guide over the packed unconstrained latent vector (Pyro's AutoLaplaceApproximation):
/// parameter `AutoLaplaceApproximation.loc` [D], a point mass in the unconstrained space. After
/// training, laplace_approximation(args...) returns an AutoMultivariateNormal centred at the MAP
/// whose covariance is the inverse Hessian of -log p(x, z) there (its parameters are fixed
/// tensors, not in the ParamStore, as Pyro's buffers). median() is the MAP. Errors as
/// AutoDiagonalNormal.
///
///   auto delta = ag::AutoLaplaceApproximation(model);   // train with SVI, then:
///   auto gaussian = delta.laplace_approximation(x, y);  gaussian.quantiles({0.05, 0.95});
template <class Model>
class AutoLaplaceApproximation : public AutoGuide<Model, detail::AutoLaplaceApproximationImpl> {
 public:
  explicit AutoLaplaceApproximation(Model model, AutoLaplaceApproximationOptions options = {})
      : AutoGuide<Model, detail::AutoLaplaceApproximationImpl>(
            std::move(model), std::make_shared<detail::AutoLaplaceApproximationImpl>(std::move(options))) {}

  /// The Laplace approximation at the current MAP: an AutoMultivariateNormal over the same model
  /// and latent layout, loc = MAP, covariance = inverse Hessian (see the impl). Needs gradients.
  template <class... Args>
  AutoMultivariateNormal<Model> laplace_approximation(Args&&... args) {
    c10::AutoGradMode grad_on(true);
    Trace guide_trace = handlers::trace(*this).get_trace(args...);
    Trace model_trace = handlers::trace(handlers::replay(this->model_, guide_trace)).get_trace(args...);
    auto [loc, scale, scale_tril] = this->impl_->laplace(guide_trace, model_trace);
    AutoMultivariateNormal<Model> gaussian(this->model_,
                                           AutoMultivariateNormalOptions().init_loc_fn(this->impl_->init_loc_fn()));
    gaussian.impl()->setup_like(*this->impl_);
    gaussian.impl()->fix(loc, scale, scale_tril);
    return gaussian;
  }
  /// Number of unconstrained latent dimensions (after the first call).
  int64_t latent_dim() const { return this->impl_->latent_dim(); }
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
