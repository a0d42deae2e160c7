// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/elbo.h>

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

#include <pplx/error.h>
#include <pplx/infer/non_finite.h>

namespace pplx {
namespace infer {

ELBO::ELBO(ELBOOptions options) : options_(options), max_plate_nesting_(options.max_plate_nesting()) {
  PPLX_CHECK_AS(ValueError, options_.num_particles() >= 1, "ELBO: num_particles must be >= 1, got ",
                options_.num_particles());
  if (max_plate_nesting_)
    PPLX_CHECK_AS(ValueError, *max_plate_nesting_ >= 0, "ELBO: max_plate_nesting must be >= 0, got ",
                  *max_plate_nesting_);
}

void ELBO::begin() {
  used_ = 0;
  loss_sum_ = at::Tensor();
  surrogate_sum_ = at::Tensor();
  surrogate_differs_ = false;
}

Particle& ELBO::particle(int64_t i) {
  if (static_cast<int64_t>(particles_.size()) <= i) particles_.resize(i + 1);
  used_ = std::max(used_, i + 1);
  return particles_[i];
}

void ELBO::add_particle(Particle& p) {
  // Pyro's get_importance_trace checks every particle; dims left of a user-given
  // max_plate_nesting (and of the particle plate) are not checked, as in Pyro.
  c10::optional<int64_t> nesting = options_.max_plate_nesting();
  if (nesting && options_.vectorize_particles()) *nesting += 1;
  detail::check_model_guide_match(p.model, p.guide, nesting);
  detail::check_site_shapes(p.model, "model", nesting);
  detail::check_site_shapes(p.guide, "guide", nesting);
  ParticleLoss l = particle_loss(p);
  // Most estimates have one particle and no score-function term: then nothing is added or copied.
  const bool differs = l.surrogate.defined();
  if (differs && !surrogate_differs_) {
    surrogate_sum_ = loss_sum_;  // the earlier particles' surrogates equal their losses
    surrogate_differs_ = true;
  }
  loss_sum_ = loss_sum_.defined() ? loss_sum_ + l.loss : l.loss;
  if (surrogate_differs_) {
    const at::Tensor& s = differs ? l.surrogate : l.loss;
    surrogate_sum_ = surrogate_sum_.defined() ? surrogate_sum_ + s : s;
  }
}

at::Tensor ELBO::finish() {
  // With vectorized particles the one run summed over the particle plate: divide by its size.
  const int64_t n = options_.vectorize_particles() ? options_.num_particles() : used_;
  particles_.resize(used_);
  at::Tensor loss = n == 1 ? loss_sum_ : loss_sum_ / static_cast<double>(n);
  if (!surrogate_differs_) return loss;
  at::Tensor surrogate = n == 1 ? surrogate_sum_ : surrogate_sum_ / static_cast<double>(n);
  // Pyro's `loss + (surrogate - surrogate.item())`: the value of the loss, the gradient of the surrogate.
  return loss.detach() + (surrogate - surrogate.detach());
}

int64_t ELBO::max_plate_nesting(const Particle& p) {
  int64_t nesting = 0;
  for (const Trace* t : {&p.model, &p.guide})
    for (const auto& s : *t)
      for (const auto& f : s.plates) nesting = std::max(nesting, -f.dim);
  return nesting;
}

std::string ELBO::describe_non_finite() const {
  for (const auto& p : particles_) {
    std::string d = describe_non_finite_site(p.model, "model");
    if (d.empty()) d = describe_non_finite_site(p.guide, "guide");
    if (!d.empty()) return d;
  }
  return {};
}

}  // namespace infer
}  // namespace pplx
