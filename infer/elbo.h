// SPDX-License-Identifier: Apache-2.0
// ELBO: the base of the trace-based ELBO estimators (pyro/infer/elbo.py): options, particles, traces.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/util/Optional.h>
#include <torch/arg.h>

#include <pplx/distributions/deferred_validation.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/infer/site_checks.h>
#include <pplx/plate.h>
#include <pplx/trace.h>

namespace pplx {
namespace infer {

/// Options shared by the ELBO estimators (Pyro's ELBO constructor arguments).
struct ELBOOptions {
  /// Number of (model, guide) sample pairs averaged per estimate. Must be >= 1.
  TORCH_ARG(int64_t, num_particles) = 1;
  /// Draw all particles at once in an outer plate "num_particles_vectorized" instead of a loop.
  /// The model and guide must then be written for batched latents (as in Pyro).
  TORCH_ARG(bool, vectorize_particles) = false;
  /// Number of plate dims the model and guide use; the particle plate goes left of them. Unset:
  /// found by running the guide and model once (Pyro's _guess_max_plate_nesting).
  TORCH_ARG(c10::optional<int64_t>, max_plate_nesting) = c10::nullopt;
};

/// One Monte Carlo sample of an ELBO: the guide's trace and the model's trace replayed on it.
struct Particle {
  Trace model;
  Trace guide;
};

/// Base class of TraceELBO and TraceMeanFieldELBO: runs the guide under trace and the model under
/// trace + replay once per particle, then lets the subclass turn each particle into a loss.
///
/// differentiable_loss() returns a scalar tensor whose value is the loss and whose gradient is the
/// estimator's (the surrogate's, where score-function terms are needed); loss() returns the value.
/// An ELBO keeps the traces of its last evaluation (particles()), reusing their storage next time.
/// Not thread-safe: use one ELBO object per thread.
class ELBO {
 public:
  virtual ~ELBO() = default;

  /// -ELBO as a tensor with autograd history, averaged over particles. Throws pplx::SiteError
  /// when the model and guide do not match and, with validation on, pplx::ShapeError when their
  /// shapes disagree or a site has a batch dim no plate declares (see detail::check_site_shape).
  template <class Model, class Guide, class... Args>
  at::Tensor differentiable_loss(Model&& model, Guide&& guide, Args&&... args) {
    begin();
    if (options_.vectorize_particles()) {
      if (!max_plate_nesting_) {
        // Pyro's _guess_max_plate_nesting: one unvectorized run shows how many plate dims are used.
        Particle probe;
        run_particle(probe, model, guide, false, args...);
        max_plate_nesting_ = max_plate_nesting(probe);
      }
      run_particle(particle(0), model, guide, true, args...);
      add_particle(particle(0));
    } else {
      for (int64_t i = 0; i < options_.num_particles(); ++i) {
        run_particle(particle(i), model, guide, false, args...);
        add_particle(particle(i));
      }
    }
    return finish();
  }

  /// The value of -ELBO (no gradients are recorded). Validation verdicts are read with it
  /// (distributions::DeferredValidation): one host read.
  template <class Model, class Guide, class... Args>
  double loss(Model&& model, Guide&& guide, Args&&... args) {
    c10::NoGradGuard no_grad;
    distributions::DeferredValidation deferred;
    return deferred.read(deferred.run([&] { return differentiable_loss(model, guide, args...); }));
  }

  const ELBOOptions& options() const { return options_; }
  /// Traces of the last evaluation, one entry per particle loop iteration.
  const std::vector<Particle>& particles() const { return particles_; }
  /// Describes the first site of the last evaluation whose log-density is not finite (model sites
  /// first, then guide sites): its name, distribution, shapes and the ranges of its value, mean
  /// and variance. Empty when every site is finite.
  std::string describe_non_finite() const;

 protected:
  /// Throws pplx::ValueError for num_particles < 1 or a negative max_plate_nesting.
  explicit ELBO(ELBOOptions options);

  /// Loss of one particle: `loss` carries the value, `surrogate` the gradient. When every term is
  /// reparameterized both are the same tensor and `surrogate` may be left undefined.
  struct ParticleLoss {
    at::Tensor loss;
    at::Tensor surrogate;
  };
  /// Called by differentiable_loss() after detail::check_model_guide_match and, with validation
  /// on, detail::check_site_shapes have passed on both traces.
  virtual ParticleLoss particle_loss(Particle& particle) = 0;

 private:
  // Runs fn under trace (into `storage`, reusing its memory), replaying `replay` when given and
  // inside the particle plate when vectorized.
  template <class Fn, class... Args>
  void traced(Trace& storage, bool vectorized, Fn& fn, const Trace* replay, Args&... args) {
    handlers::TraceMessenger tracer(storage);
    std::optional<handlers::ReplayMessenger> replayer;
    if (replay) replayer.emplace(*replay);
    std::optional<plate> particles;
    if (vectorized)
      particles.emplace("num_particles_vectorized", options_.num_particles(),
                        PlateOptions().dim(-(*max_plate_nesting_ + 1)));
    fn(args...);
  }
  template <class Model, class Guide, class... Args>
  void run_particle(Particle& p, Model& model, Guide& guide, bool vectorized, Args&... args) {
    traced(p.guide, vectorized, guide, nullptr, args...);
    traced(p.model, vectorized, model, &p.guide, args...);
  }

  void begin();
  Particle& particle(int64_t i);
  void add_particle(Particle& p);
  at::Tensor finish();
  static int64_t max_plate_nesting(const Particle& p);

  ELBOOptions options_;
  c10::optional<int64_t> max_plate_nesting_;
  std::vector<Particle> particles_;
  int64_t used_ = 0;
  at::Tensor loss_sum_, surrogate_sum_;
  bool surrogate_differs_ = false;
};

}  // namespace infer
}  // namespace pplx
