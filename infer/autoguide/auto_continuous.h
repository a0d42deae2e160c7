// SPDX-License-Identifier: Apache-2.0
// AutoContinuous: the guides over one packed unconstrained latent vector (Pyro's AutoContinuous).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <pplx/distributions/distribution.h>
#include <pplx/infer/autoguide/guide.h>
#include <pplx/primitives.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

/// The shared state of AutoDiagonalNormal, AutoMultivariateNormal, AutoLowRankMultivariateNormal
/// and AutoLaplaceApproximation (Pyro's AutoContinuous, ADVI): every latent site is mapped to the
/// reals by biject_to(support), flattened and concatenated, in prototype order, into one vector of
/// latent_dim() elements; a subclass gives the posterior over that vector. Subsampled plates are
/// not supported (pplx::NotImplementedError on the first call), as in Pyro.
class AutoContinuousImpl : public AutoGuideImpl {
 public:
  AutoContinuousImpl(std::string name, InitLocFn init_loc_fn);
  /// Samples the packed latent `_<prefix>_latent` (auxiliary), then each site as a Delta at its
  /// slice mapped to the constrained scale, carrying the log-Jacobian.
  void forward() override;
  handlers::TensorMap median() override;
  handlers::TensorMap quantiles(const std::vector<double>& quantiles) override;

  /// Number of unconstrained latent dimensions (known after the first call).
  int64_t latent_dim() const { return latent_dim_; }
  /// The unconstrained value of site `i` inside a packed latent [..., latent_dim] (Pyro's
  /// _unpack_latent): leading dims of `latent` broadcast against the site's shape.
  at::Tensor unpack(const at::Tensor& latent, size_t i) const;
  /// Name of the packed latent site, "_<prefix>_latent".
  const std::string& latent_name() const { return latent_name_; }

 protected:
  void setup_params() override;
  /// Creates the posterior's initial parameters; init_loc_ and latent_dim_ are set.
  virtual void setup_posterior() = 0;
  /// The posterior over the packed latent, from the parameters in the store (one step's graph).
  virtual distributions::DistPtr posterior() = 0;
  /// Mean and marginal standard deviation of the posterior (detached), for median and quantiles.
  virtual std::pair<at::Tensor, at::Tensor> loc_scale() = 0;
  /// The constrained sites of a packed unconstrained vector [latent_dim].
  handlers::TensorMap constrain(const at::Tensor& latent) const;
  /// `name` from the current ParamStore (created from `init` when absent), detached.
  static at::Tensor stored(const std::string& name, const at::Tensor& init, const constraints::ConstraintPtr& c);

  int64_t latent_dim_ = 0;
  at::Tensor init_loc_;  // [latent_dim]: the sites' unconstrained initial values
  std::string latent_name_;
  std::vector<int64_t> offsets_, sizes_;
  SampleOptions auxiliary_;
};

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
