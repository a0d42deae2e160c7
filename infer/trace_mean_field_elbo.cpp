// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/trace_mean_field_elbo.h>

#include <unordered_set>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/distributions/kl.h>
#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace {

void add(at::Tensor& total, const at::Tensor& term) { total = total.defined() ? total + term : term; }
void sub(at::Tensor& total, const at::Tensor& term) { total = total.defined() ? total - term : -term; }

void check_fully_reparameterized(const Site& g) {
  PPLX_CHECK_AS(NotImplementedError, g.fn->has_rsample(), "TraceMeanFieldELBO: guide site '", g.name, "' (",
                g.fn->name(),
                ") has no reparameterized sampler; TraceMeanFieldELBO needs a fully "
                "reparameterized guide. Use TraceELBO, which adds score-function terms");
}

}  // namespace

// A port of Pyro's TraceMeanField_ELBO._differentiable_loss_particle. Only the log-densities that
// are used are computed: a latent site with a closed-form KL needs neither log p(z) nor log q(z).
ELBO::ParticleLoss TraceMeanFieldELBO::particle_loss(Particle& p) {
  std::unordered_set<const Site*> monte_carlo;                // sites whose log_prob is needed
  std::vector<std::pair<const Site*, const Site*>> analytic;  // (model, guide) pairs with a KL
  for (const auto& m : p.model) {
    if (!adds_to_log_density(m)) continue;
    if (!is_latent(m)) {
      monte_carlo.insert(&m);
      continue;
    }
    const Site& g = p.guide.at(m.name);
    check_fully_reparameterized(g);
    if (distributions::has_kl(*g.fn, *m.fn)) {
      analytic.emplace_back(&m, &g);
    } else {
      monte_carlo.insert(&m);
      monte_carlo.insert(&g);
    }
  }
  // Auxiliary guide sites (absent from the model) contribute their entropy term.
  for (const auto& g : p.guide) {
    if (!adds_to_log_density(g) || g.is_observed || p.model.contains(g.name)) continue;
    check_fully_reparameterized(g);
    monte_carlo.insert(&g);
  }
  auto needed = [&](const Site& s) { return monte_carlo.count(&s) != 0; };
  p.model.compute_log_prob(needed);
  p.guide.compute_log_prob(needed);

  at::Tensor elbo;
  for (const auto& m : p.model)
    if (monte_carlo.count(&m)) add(elbo, m.log_prob_sum);
  for (const auto& g : p.guide)
    if (monte_carlo.count(&g)) sub(elbo, g.log_prob_sum);
  for (const auto& mg : analytic) {
    const Site& m = *mg.first;
    const Site& g = *mg.second;
    at::Tensor kl = distributions::kl_divergence(*g.fn, *m.fn);
    PPLX_CHECK_AS(ShapeError, kl.sizes() == g.fn->batch_shape(), "TraceMeanFieldELBO: at site '", m.name,
                  "' KL(guide || model) has shape ", distributions::shape_str(kl.sizes()),
                  " but the guide's batch_shape is ", distributions::shape_str(g.fn->batch_shape()),
                  " (model batch_shape ", distributions::shape_str(m.fn->batch_shape()),
                  "); the guide must cover the model's plates");
    sub(elbo, scale_and_mask(kl, g.scale, g.mask).sum());
  }
  if (!elbo.defined()) elbo = at::zeros({}, at::kDouble);
  return {-elbo, at::Tensor()};
}

}  // namespace infer
}  // namespace pplx
