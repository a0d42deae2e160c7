// SPDX-License-Identifier: Apache-2.0
// AutoNormal: a mean-field Normal guide with one loc and scale per site (Pyro's AutoNormal).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/arg.h>

#include <pplx/infer/autoguide/guide.h>
#include <pplx/primitives.h>

namespace pplx {
namespace infer {
namespace autoguide {

/// Options of AutoNormal (Pyro's defaults).
struct AutoNormalOptions {
  /// Initial constrained value of each site's loc.
  TORCH_ARG(InitLocFn, init_loc_fn) = init_to_feasible();
  /// Initial scale of each unconstrained latent; must be > 0 (pplx::ValueError).
  TORCH_ARG(double, init_scale) = 0.1;
};

namespace detail {
/// AutoNormal's shared state.
class AutoNormalImpl : public AutoGuideImpl {
 public:
  explicit AutoNormalImpl(AutoNormalOptions options);
  void forward() override;
  handlers::TensorMap median() override;
  handlers::TensorMap quantiles(const std::vector<double>& quantiles) override;

 protected:
  void setup_params() override;
  bool supports_subsampling() const override { return true; }

 private:
  struct Params {
    std::string loc, scale, aux;      // "AutoNormal.locs.<site>", "AutoNormal.scales.<site>", "<site>_unconstrained"
    at::Tensor init_loc, init_scale;  // unconstrained, full plate size
  };
  std::pair<at::Tensor, at::Tensor> loc_scale(size_t i) const;
  AutoNormalOptions options_;
  std::vector<Params> params_;
  SampleOptions auxiliary_;
};
}  // namespace detail

/// A mean-field Normal guide (Pyro's AutoNormal): each latent site gets its own Normal on the
/// unconstrained scale, with parameters `AutoNormal.locs.<site>` and `AutoNormal.scales.<site>`
/// (softplus_positive) of the site's unconstrained shape, mapped by biject_to(support). A site
/// with constraints samples `<site>_unconstrained` (auxiliary) and then the site as a Delta
/// carrying the log-Jacobian, as in Pyro; a real-valued site is sampled directly from its Normal
/// (the same density with one site instead of two). Local latents in subsampled plates get
/// full-size parameters indexed by the subsample the guide's plate draws (which the model then
/// replays). Throws pplx::ValueError for init_scale <= 0 and, on the first call, for a model
/// without latent sites or with a discrete or unsupported one.
///
///   auto guide = pplx::infer::autoguide::AutoNormal(model, AutoNormalOptions().init_scale(0.05));
template <class Model>
class AutoNormal : public AutoGuide<Model, detail::AutoNormalImpl> {
 public:
  explicit AutoNormal(Model model, AutoNormalOptions options = {})
      : AutoGuide<Model, detail::AutoNormalImpl>(std::move(model),
                                                 std::make_shared<detail::AutoNormalImpl>(std::move(options))) {}
};

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
