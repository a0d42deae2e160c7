// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the autoguides (pyro/infer/autoguide/utils.py).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/transforms.h>
#include <pplx/message.h>
#include <pplx/messenger.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

/// The support of a site without its independent() wrappers: the autoguides sum log-Jacobians
/// over event dims themselves, and the registries know only the base sets.
constraints::ConstraintPtr base_support(const constraints::ConstraintPtr& support);

/// Throws pplx::ValueError naming `site` when its support is discrete (Pyro's helpful_support_errors):
/// continuous autoguides cannot represent it; the message says to marginalize it or guide it by
/// hand, hidden from the autoguide with handlers::block. `guide` names the autoguide.
void check_continuous_support(const Message& site, const std::string& guide);

/// biject_to(base_support(site's support)) with identity parts dropped (so `positive` costs one
/// exp, not exp then affine(0, 1)). Throws pplx::ValueError naming the site where no bijection is
/// registered (discrete, positive_definite, lower_cholesky...).
transforms::TransformPtr latent_transform(const Message& site, const std::string& guide);

/// transform_to(base support), with the same errors (used by the init strategies).
transforms::TransformPtr feasible_transform(const Message& site);

/// Repeats `value` along `dim` periodically until it has `size` entries (Pyro's periodic_repeat):
/// initial values traced on a subsample are stretched to the plate's full size.
at::Tensor periodic_repeat(const at::Tensor& value, int64_t size, int64_t dim);

/// Gives plate sites that reach it the subsample the first site of that name drew during its
/// lifetime, so that every plate an autoguide (or a part of an AutoGuideList) enters during one
/// call uses one subsample, like the shared plates of Pyro's AutoGuide._create_plates. It also
/// spares re-entered plates the validation of explicit indices (no host-device sync).
class PlateCacheMessenger : public Messenger {
 public:
  PlateCacheMessenger() : Messenger("autoguide_plates") {}
  void process_message(Message& msg) override;
  void postprocess_message(Message& msg) override;

 private:
  std::vector<std::pair<std::string, at::Tensor>> seen_;
};

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
