// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/trace_elbo.h>

#include <algorithm>
#include <vector>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace {

bool has_frame(const std::vector<PlateFrame>& frames, const std::string& name) {
  return std::any_of(frames.begin(), frames.end(), [&](const PlateFrame& f) { return f.name == name; });
}

// Pyro's _compute_log_r as a MultiFrameTensor: the detached log p - log q of every model site,
// grouped by the plates it lives in, so that each score-function term is weighted only by the
// terms that depend on it (the downstream cost, Rao-Blackwellized over independent plates).
struct LogR {
  struct Term {
    std::vector<PlateFrame> frames;
    at::Tensor value;
  };
  std::vector<Term> terms;

  LogR(const Trace& model, const Trace& guide) {
    for (const auto& s : model) {
      if (!adds_to_log_density(s)) continue;
      at::Tensor v = s.log_prob;
      if (!s.is_observed) {
        const Site* g = guide.find(s.name);
        if (g && g->type == SiteType::sample && g->log_prob.defined()) v = v - g->log_prob;
      }
      v = v.detach();
      auto same = std::find_if(terms.begin(), terms.end(), [&](const Term& t) {
        if (t.frames.size() != s.plates.size()) return false;
        for (const auto& f : s.plates)
          if (!has_frame(t.frames, f.name)) return false;
        return true;
      });
      if (same != terms.end()) same->value = same->value + v;
      else terms.push_back({s.plates, v});
    }
  }

  // MultiFrameTensor.sum_to: sums each term over the plates the target site is not in.
  at::Tensor sum_to(const std::vector<PlateFrame>& target) const {
    at::Tensor total;
    for (const auto& t : terms) {
      at::Tensor v = t.value;
      for (const auto& f : t.frames)
        if (!has_frame(target, f.name) && v.dim() >= -f.dim && v.size(f.dim) != 1) v = v.sum(f.dim, true);
      while (v.dim() > 0 && v.size(0) == 1) v = v.squeeze(0);
      total = total.defined() ? total + v : v;
    }
    return total;
  }
};

}  // namespace

ELBO::ParticleLoss TraceELBO::particle_loss(Particle& p) {
  at::Tensor model_lp = p.model.log_prob_sum();
  at::Tensor guide_lp = p.guide.log_prob_sum();
  // A guide site drawn without rsample carries no gradient through its value: its entropy term is
  // replaced by a score-function term (Pyro's score_parts).
  at::Tensor nonreparam_lp;
  std::vector<const Site*> score_sites;
  for (const auto& g : p.guide) {
    if (!adds_to_log_density(g) || g.is_observed || g.fn->has_rsample()) continue;
    score_sites.push_back(&g);
    nonreparam_lp = nonreparam_lp.defined() ? nonreparam_lp + g.log_prob_sum : g.log_prob_sum;
  }
  at::Tensor elbo = model_lp - guide_lp;
  if (score_sites.empty()) return {-elbo, at::Tensor()};

  LogR log_r(p.model, p.guide);
  // surrogate = model_lp - (reparameterized guide_lp) + sum over score sites of log_r * log_q.
  // Every term is scaled and masked exactly once (Pyro's ScoreParts.scale_and_mask): log_r is
  // made of scaled, masked log-densities, so the log q it multiplies is the *unscaled, unmasked*
  // one. Scaling it too would count a plate's size/subsample_size (or a scale handler) twice;
  // masking it would drop the gradient of a masked-out draw that still feeds downstream sites.
  at::Tensor surrogate = elbo + nonreparam_lp;
  for (const Site* g : score_sites) {
    at::Tensor weight = log_r.sum_to(g->plates);
    if (!weight.defined()) continue;
    at::Tensor term;
    try {
      term = (weight * g->unscaled_log_prob).sum();
    } catch (const c10::Error&) {
      throw ShapeError("TraceELBO: cannot weight the score-function term of guide site '", g->name,
                       "' (log_prob shape ", distributions::shape_str(g->unscaled_log_prob.sizes()),
                       ") by the downstream log-density of shape ", distributions::shape_str(weight.sizes()),
                       ". Declare every batch dim of the model and guide with a plate, or use to_event()");
    }
    surrogate = surrogate + term;
  }
  return {-elbo, -surrogate};
}

}  // namespace infer
}  // namespace pplx
