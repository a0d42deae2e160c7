// SPDX-License-Identifier: Apache-2.0
// elbo.json: Trace_ELBO losses of small model/guide pairs with fixed latent values.
//
// Each case's recorded sites are replayed through pplx's own machinery: a "model" and a "guide"
// that send exactly the recorded messages (distribution as seen at the site, value, scale, mask,
// plates) through the handler stack, evaluated by pplx::infer::TraceELBO, which traces the guide,
// replays the model's latent sites from it and scores both traces. Every site's unscaled
// log_prob, log_prob and log_prob_sum, the two sums, the ELBO and the loss are compared. For the
// case with recorded noise (`eps`), the guide draws z = q_loc + q_scale * eps from pplx::param
// values, and the loss gradients are compared too.
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/messenger.h>
#include <pplx/param_store.h>
#include <pplx/primitives.h>

#include "build_distribution.h"
#include "conformance.h"

namespace pplx {
namespace conformance {
namespace {

// A site record turned into the message a primitive would have sent (after plates and handlers).
Message site_message(const Json& site) {
  Message msg;
  msg.type = SiteType::sample;
  msg.name = site["name"].as_string();
  msg.fn = distribution_from_json(site["fn"]);
  msg.is_observed = site["is_observed"].as_bool();
  // Latent model sites get their value from the replayed guide trace; the rest carry it.
  msg.value = tensor_from_json(site["value"]);
  msg.scale = site["scale"].as_double();
  if (!site["mask"].is_null()) msg.mask = tensor_from_json(site["mask"]);
  for (const Json& f : site["plates"].as_array()) {
    PlateFrame frame;
    frame.name = f["name"].as_string();
    frame.size = f["size"].as_int();
    frame.subsample_size = f["subsample_size"].as_int();
    frame.dim = f["dim"].as_int();
    msg.plates.push_back(frame);
  }
  return msg;
}

// The records hold each site's distribution with numbers only, but for gradients a site such as
// "x ~ Normal(z, 0.95)" must depend on this run's z: a Normal whose loc equals a latent's value is
// rebuilt with that latent as its loc.
distributions::DistPtr depend_on_latents(const distributions::DistPtr& fn, const std::vector<at::Tensor>& latents) {
  auto normal = std::dynamic_pointer_cast<const distributions::Normal>(fn);
  if (!normal) return fn;
  for (const auto& z : latents)
    if (z.sizes() == normal->loc().sizes() && torch::allclose(z.detach(), normal->loc(), 0, 1e-12))
      return std::make_shared<distributions::Normal>(z, normal->scale());
  return fn;
}

void check_sites(Checks& checks, const char* which, const Json& records, const Trace& trace) {
  for (const Json& r : records.as_array()) {
    const std::string name = r["name"].as_string();
    const Site* s = trace.find(name);
    if (!s) {
      checks.fail(std::string(which) + " trace has no site '" + name + "'");
      continue;
    }
    const std::string where = std::string(which) + " site '" + name + "' ";
    expect_close(checks, where + "value", s->value, r["value"]);
    expect_close(checks, where + "unscaled_log_prob", s->unscaled_log_prob, r["unscaled_log_prob"]);
    expect_close(checks, where + "log_prob", s->log_prob, r["log_prob"]);
    expect_close(checks, where + "log_prob_sum", s->log_prob_sum, r["log_prob_sum"]);
  }
}

at::Tensor sum_of(const Trace& trace) {
  at::Tensor total = torch::zeros({}, torch::kDouble);
  for (const auto& s : trace)
    if (s.type == SiteType::sample) total = total + s.log_prob_sum;
  return total;
}

void check_case(const Json& c, Checks& checks) {
  std::vector<Message> model_sites, guide_sites;
  for (const Json& s : c["model_sites"].as_array()) {
    model_sites.push_back(site_message(s));
    if (!model_sites.back().is_observed) model_sites.back().value = at::Tensor();  // replayed from the guide
  }
  for (const Json& s : c["guide_sites"].as_array()) guide_sites.push_back(site_message(s));

  // Guide parameters live in a store of their own, so that gradients can be checked.
  ParamStore store;
  ParamStoreScope use(store);
  const Json* eps = c.find("eps");
  if (eps) {
    for (const auto& p : c["guide_params"].items()) {
      const std::string& constraint = p.second["constraint"].as_string();
      store.set(p.first, tensor_from_json(p.second["value"]),
                constraint == "positive" ? constraints::positive : constraints::real);
      expect_close(checks, "param '" + p.first + "' unconstrained", store.get_unconstrained(p.first).detach(),
                   p.second["unconstrained"]);
    }
  }

  auto model = [&] {
    std::vector<at::Tensor> latents;  // this run's latent values
    for (const auto& m : model_sites) {
      Message msg = m;
      if (eps) msg.fn = depend_on_latents(msg.fn, latents);
      apply_stack(msg);
      if (!msg.is_observed) latents.push_back(msg.value);
    }
  };
  auto guide = [&] {
    for (const auto& g : guide_sites) {
      Message msg = g;
      if (eps && eps->contains(msg.name)) {
        // The reparameterized draw with the recorded noise, from the params (so gradients flow).
        auto loc = param("q_loc");
        auto scale = param("q_scale", at::Tensor(), constraints::positive);
        msg.fn = std::make_shared<distributions::Normal>(loc, scale);
        msg.value = loc + scale * tensor_from_json((*eps)[msg.name]);
      }
      apply_stack(msg);
    }
  };

  infer::TraceELBO elbo;
  at::Tensor loss = elbo.differentiable_loss(model, guide);
  const infer::Particle& p = elbo.particles().at(0);
  check_sites(checks, "model", c["model_sites"], p.model);
  check_sites(checks, "guide", c["guide_sites"], p.guide);
  at::Tensor model_sum = sum_of(p.model), guide_sum = sum_of(p.guide);
  expect_close(checks, "model_log_prob_sum", model_sum.item<double>(), c["model_log_prob_sum"]);
  expect_close(checks, "guide_log_prob_sum", guide_sum.item<double>(), c["guide_log_prob_sum"]);
  expect_close(checks, "elbo", (model_sum - guide_sum).item<double>(), c["elbo"]);
  expect_close(checks, "loss", loss.item<double>(), c["loss"]);

  if (const Json* grads = c.find("grad_loss_wrt_unconstrained")) {
    std::vector<at::Tensor> leaves;
    std::vector<std::string> names;
    for (const auto& g : grads->items()) {
      names.push_back(g.first);
      leaves.push_back(store.get_unconstrained(g.first));
    }
    auto constrained = c["grad_loss_wrt_constrained"];
    // Constrained values as functions of the leaves, to differentiate through the transform.
    std::vector<at::Tensor> values;
    for (const auto& n : names) values.push_back(store.get(n));
    auto g_leaves = torch::autograd::grad({loss}, leaves, {}, /*retain_graph=*/true);
    for (size_t i = 0; i < names.size(); ++i) {
      expect_close(checks, "d loss / d unconstrained " + names[i], g_leaves[i], (*grads)[names[i]]);
      // Chain rule through the constraint's transform: dL/dvalue = dL/du / (dvalue/du).
      auto dvalue_du = torch::autograd::grad({values[i]}, {leaves[i]}, {torch::ones_like(values[i])})[0];
      expect_close(checks, "d loss / d " + names[i], g_leaves[i] / dvalue_du, constrained[names[i]]);
    }
  }
}

void run_elbo(const Json& doc, Report& report) {
  for (const Json& c : doc["cases"].as_array())
    report.check(c["name"].as_string(), [&](Checks& checks) { check_case(c, checks); });
}

bool accepts(const Json& d) {
  const Json* cases = d.find("cases");
  return cases && cases->is_array() && cases->size() > 0 && (*cases)[0].contains("model_sites");
}

const RegisterChecker registered_elbo{{"elbo", accepts, run_elbo}};

}  // namespace
}  // namespace conformance
}  // namespace pplx
