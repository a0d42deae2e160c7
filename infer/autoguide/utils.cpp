// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/utils.h>

#include <algorithm>

#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {
namespace {

[[noreturn]] void no_bijection(const Message& site, const std::string& guide, const std::string& why) {
  throw ValueError(guide, ": latent site '", site.name, "' has support ", site.fn->support()->describe(),
                   ", which has no bijection to the reals (", why,
                   "). Continuous autoguides need one; guide this site by hand and hide it from the autoguide, e.g. "
                   "AutoGuideList with an autoguide over handlers::block(model, BlockOptions().hide({\"",
                   site.name, "\"}))");
}

// Pyro's simplified transforms: compose parts that are the identity cost ops and do nothing.
transforms::TransformPtr drop_identities(const transforms::TransformPtr& t) {
  auto compose = std::dynamic_pointer_cast<const transforms::ComposeTransform>(t);
  if (!compose) return t;
  std::vector<transforms::TransformPtr> kept;
  for (const auto& p : compose->parts())
    if (!p->is_identity()) kept.push_back(drop_identities(p));
  if (kept.empty()) return transforms::identity();
  if (kept.size() == 1) return kept.front();
  return transforms::compose(std::move(kept));
}

}  // namespace

constraints::ConstraintPtr base_support(const constraints::ConstraintPtr& support) {
  constraints::ConstraintPtr c = support;
  while (c && c->base_constraint()) c = c->base_constraint();
  return c;
}

void check_continuous_support(const Message& site, const std::string& guide) {
  if (!site.fn->support()->is_discrete()) return;
  throw ValueError(
      guide, " cannot handle the discrete latent site '", site.name, "' (", site.fn->name(), ", support ",
      site.fn->support()->describe(),
      "): continuous inference needs continuous latents. Marginalize the variable out (enumerate it by hand "
      "in the model), or guide it by hand: hide it from the autoguide with handlers::block(model, "
      "BlockOptions().hide({\"",
      site.name, "\"})) and combine the autoguide with your guide in an AutoGuideList");
}

transforms::TransformPtr latent_transform(const Message& site, const std::string& guide) {
  check_continuous_support(site, guide);
  try {
    return drop_identities(transforms::biject_to(base_support(site.fn->support())));
  } catch (const NotImplementedError& e) {
    no_bijection(site, guide, e.what());
  }
}

transforms::TransformPtr feasible_transform(const Message& site) {
  try {
    return drop_identities(transforms::transform_to(base_support(site.fn->support())));
  } catch (const NotImplementedError& e) {
    check_continuous_support(site, "the autoguide's init strategy");
    no_bijection(site, "the autoguide's init strategy", e.what());
  }
}

at::Tensor periodic_repeat(const at::Tensor& value, int64_t size, int64_t dim) {
  const int64_t d = dim < 0 ? dim + value.dim() : dim;
  const int64_t period = value.size(d);
  if (period == size) return value;
  std::vector<int64_t> repeats(value.dim(), 1);
  repeats[d] = (size + period - 1) / period;
  return value.repeat(repeats).narrow(d, 0, size).contiguous();
}

void PlateCacheMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::plate || msg.done) return;
  for (const auto& s : seen_) {
    if (s.first != msg.name) continue;
    // Only a plate of the same size and subsample size can share the draw; anything else is left
    // to the plate's own checks (and the trace's, which rejects a size change).
    if (s.second.size(0) == msg.plate_subsample_size) {
      msg.value = s.second;
      msg.done = true;
    }
    return;
  }
}

void PlateCacheMessenger::postprocess_message(Message& msg) {
  if (msg.type != SiteType::plate || !msg.value.defined()) return;
  auto it = std::find_if(seen_.begin(), seen_.end(), [&](const auto& s) { return s.first == msg.name; });
  if (it == seen_.end()) seen_.emplace_back(msg.name, msg.value);
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
