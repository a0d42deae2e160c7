// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/replay.h>

#include <pplx/error.h>
#include <pplx/plate.h>

namespace pplx {
namespace handlers {

void ReplayMessenger::process_message(Message& msg) {
  const Site* guide = trace_.find(msg.name);
  if (msg.type == SiteType::sample) {
    if (msg.is_observed) return;
    if (!guide) {
      if (options_.strict() && is_latent(msg))
        throw SiteError("replay: latent sample site '", msg.name, "' (", msg.fn->name(), ", batch_shape ",
                        distributions::shape_str(msg.fn->batch_shape()),
                        ") is not in the trace being replayed, whose sites are: ", trace_.site_names(),
                        ". The guide must sample every latent site of the model: add pplx::sample(\"", msg.name,
                        "\", ...) to the guide, or observe the site in the model");
      return;
    }
    PPLX_CHECK_AS(SiteError, guide->type == SiteType::sample && !guide->is_observed, "replay: site '", msg.name,
                  "' is latent in the model but ", guide->is_observed ? "observed" : to_string(guide->type),
                  " in the replayed trace");
    msg.value = guide->value;
    msg.infer = guide->infer;
    msg.done = true;
  } else if (msg.type == SiteType::plate) {
    if (guide) pplx::detail::replay_plate(msg, *guide);  // the guide's minibatch (pplx/plate.cpp)
  } else if (msg.type == SiteType::param) {
    if (!guide || guide->type != SiteType::param) return;
    msg.value = guide->value;
    msg.unconstrained = guide->unconstrained;
    msg.done = true;
  }
}

}  // namespace handlers
}  // namespace pplx
