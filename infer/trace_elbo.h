// SPDX-License-Identifier: Apache-2.0
// TraceELBO: the Monte Carlo ELBO of Pyro's Trace_ELBO, with score-function terms where needed.
#pragma once

#include <pplx/infer/elbo.h>

namespace pplx {
namespace infer {

/// Options of TraceELBO.
using TraceELBOOptions = ELBOOptions;

/// Pyro's Trace_ELBO: runs the guide, replays the model on its draws and estimates
/// loss = -(sum of model log-densities - sum of guide log-densities), with plate, subsample and
/// handlers::scale factors and masks applied (observed sites count in the model only).
/// Reparameterized guide sites pass gradients through their draws; for a site without rsample the
/// gradient comes from the score-function surrogate log_q * stop_grad(log p - log q), Rao-Blackwellized
/// over plates as in Pyro, so it is unbiased. Every term is scaled and masked exactly once: the
/// downstream cost log p - log q carries the sites' scales and masks, the log_q it multiplies
/// carries neither (Pyro's ScoreParts.scale_and_mask). The reported loss never contains the surrogate.
/// A latent guide site absent from the model throws pplx::SiteError. Not thread-safe.
///
///   pplx::infer::TraceELBO elbo(pplx::infer::TraceELBOOptions().num_particles(4));
///   torch::Tensor loss = elbo.differentiable_loss(model, guide, x);   // loss.backward() works
class TraceELBO : public ELBO {
 public:
  explicit TraceELBO(TraceELBOOptions options = {}) : ELBO(options) {}

 protected:
  ParticleLoss particle_loss(Particle& particle) override;
};

}  // namespace infer
}  // namespace pplx
