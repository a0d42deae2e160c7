// SPDX-License-Identifier: Apache-2.0
// AutoDelta: a MAP guide, one point mass per site (Pyro's AutoDelta).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/arg.h>

#include <pplx/infer/autoguide/guide.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoDelta (Pyro's defaults).
struct AutoDeltaOptions {
  /// Initial value of each site.
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_median();
};

namespace detail {
/// AutoDelta's shared state.
class AutoDeltaImpl : public AutoGuideImpl {
 public:
  explicit AutoDeltaImpl(AutoDeltaOptions options);
  void forward() override;
  handlers::TensorMap median() override;
  handlers::TensorMap quantiles(const std::vector<double>& quantiles) override;

 protected:
  void setup_params() override;
  bool supports_subsampling() const override { return true; }

 private:
  struct Params {
    std::string name;                       // "AutoDelta.<site>"
    at::Tensor init;                        // constrained, full plate size
    constraints::ConstraintPtr constraint;  // the site's support without independent()
  };
  at::Tensor value(size_t i) const;
  std::vector<Params> params_;
};
}  // namespace detail

/// A MAP guide (Pyro's AutoDelta): each latent site is a point mass at the parameter
/// `AutoDelta.<site>`, constrained to the site's support, so SVI with TraceELBO finds the
/// posterior mode (MAP in the constrained space, as in Pyro). Local latents in subsampled plates
/// get full-size parameters indexed by the guide's subsample. median() returns the points;
/// quantiles() returns them once per quantile (a point mass has no spread). Throws, on the first
/// call, pplx::ValueError for a model without latent sites or with a discrete one.
///
///   auto guide = pplx::infer::autoguide::AutoDelta(model);
template <class Model>
class AutoDelta : public AutoGuide<Model, detail::AutoDeltaImpl> {
 public:
  explicit AutoDelta(Model model, AutoDeltaOptions options = {})
      : AutoGuide<Model, detail::AutoDeltaImpl>(std::move(model),
                                                std::make_shared<detail::AutoDeltaImpl>(std::move(options))) {}
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
