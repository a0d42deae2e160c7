// SPDX-License-Identifier: Apache-2.0
// TraceMeanFieldELBO: Pyro's TraceMeanField_ELBO, analytic KL terms where a closed form exists.
#pragma once

#include <pplx/infer/elbo.h>

namespace pplx {
namespace infer {

/// Options of TraceMeanFieldELBO.
using TraceMeanFieldELBOOptions = ELBOOptions;

/// Pyro's TraceMeanField_ELBO: like TraceELBO, but for each latent site whose (guide, model)
/// distribution pair has a registered KL divergence (distributions::has_kl) the Monte Carlo term
/// log p(z) - log q(z) is replaced by -KL(q || p), scaled and masked like the guide site; other
/// sites fall back to Monte Carlo. Same expectation as TraceELBO, lower variance. Assumes a
/// mean-field guide (each latent's guide distribution does not depend on other latents) and a fully
/// reparameterized guide: a guide site without rsample throws pplx::NotImplementedError. Not thread-safe.
///
///   pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(1e-3)),
///                        pplx::infer::TraceMeanFieldELBO());
class TraceMeanFieldELBO : public ELBO {
 public:
  explicit TraceMeanFieldELBO(TraceMeanFieldELBOOptions options = {}) : ELBO(options) {}

 protected:
  ParticleLoss particle_loss(Particle& particle) override;
};

}  // namespace infer
}  // namespace pplx
