// SPDX-License-Identifier: Apache-2.0
// optim.json: optimizer updates with given gradients (Adam, SGD with momentum, clipping, Pyro's
// ClippedAdam) and three full SVI steps of a Normal-Normal model with recorded noise.
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/optim/optim.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

#include "conformance.h"

namespace pplx {
namespace conformance {
namespace {

// The Pyro optimizer of a case from its name, optim_args and clip_args.
std::unique_ptr<optim::PyroOptim> make_optimizer(const Json& c) {
  const Json& a = c["optim_args"];
  auto num = [&](const char* key, double fallback) { return a.contains(key) ? a[key].as_double() : fallback; };
  auto betas = [&]() -> std::tuple<double, double> {
    if (!a.contains("betas")) return {0.9, 0.999};
    return {a["betas"][0].as_double(), a["betas"][1].as_double()};
  };
  optim::ClipOptions clip;
  const Json& ca = c["clip_args"];
  if (ca.contains("clip_norm")) clip.clip_norm(ca["clip_norm"].as_double());
  if (ca.contains("clip_value")) clip.clip_value(ca["clip_value"].as_double());
  const std::string& name = c["optimizer"].as_string();
  if (name == "Adam")
    return std::make_unique<optim::Adam>(torch::optim::AdamOptions(num("lr", 1e-3))
                                             .betas(betas())
                                             .eps(num("eps", 1e-8))
                                             .weight_decay(num("weight_decay", 0)),
                                         clip);
  if (name == "SGD")
    return std::make_unique<optim::SGD>(torch::optim::SGDOptions(num("lr", 0))
                                            .momentum(num("momentum", 0))
                                            .dampening(num("dampening", 0))
                                            .weight_decay(num("weight_decay", 0))
                                            .nesterov(a.contains("nesterov") && a["nesterov"].as_bool()),
                                        clip);
  if (name == "ClippedAdam")
    return std::make_unique<optim::ClippedAdam>(optim::ClippedAdamOptions(num("lr", 1e-3))
                                                    .betas(betas())
                                                    .eps(num("eps", 1e-8))
                                                    .weight_decay(num("weight_decay", 0))
                                                    .clip_norm(num("clip_norm", 10.0))
                                                    .lrd(num("lrd", 1.0)),
                                                clip);
  throw NotImplementedError("optim.json: unknown optimizer " + name);
}

void check_optimizer_case(const Json& c, Checks& checks) {
  auto opt = make_optimizer(c);
  optim::NamedTensors params;
  for (const auto& p : c["initial"].items()) params.emplace_back(p.first, tensor_from_json(p.second).requires_grad_());
  for (size_t k = 0; k < 3; ++k) {
    for (auto& p : params) p.second.mutable_grad() = tensor_from_json(c["grads"][p.first][k]);
    opt->step(params);
    for (auto& p : params) {
      const std::string where = p.first + " step " + std::to_string(k + 1);
      expect_close(checks, where + " clipped grad", p.second.grad(), c["clipped_grads"][p.first][k]);
      expect_close(checks, where + " value", p.second.detach(), c["after_step"][p.first][k]);
    }
  }
}

// Normal whose reparameterized draw uses the recorded noise: z = loc + scale * eps.
class FixedNoiseNormal : public distributions::Normal {
 public:
  FixedNoiseNormal(at::Tensor loc, at::Tensor scale, double eps) : Normal(loc, scale), eps_(eps) {}
  at::Tensor rsample(c10::IntArrayRef, distributions::Generator) const override { return loc() + scale() * eps_; }

 private:
  double eps_;
};

// The model's numbers are only in the description: "z ~ Normal(a, b); x ~ Normal(z, c) observed x = d".
struct NormalNormal {
  double prior_loc, prior_scale, noise, x;
};
NormalNormal parse_model(const std::string& description) {
  static const std::regex re(
      R"(z ~ Normal\(([-0-9.e]+), ([-0-9.e]+)\); x ~ Normal\(z, ([-0-9.e]+)\) observed x = ([-0-9.e]+))");
  std::smatch m;
  if (!std::regex_search(description, m, re))
    throw ValueError("optim.json: cannot read the model's numbers from the description: " + description);
  return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4])};
}

void check_svi_case(const Json& c, Checks& checks) {
  const NormalNormal nn = parse_model(c["description"].as_string());
  ParamStore store;
  ParamStoreScope use(store);
  store.set("q_loc", tensor_from_json(c["initial"]["q_loc"]));
  store.set("q_scale", tensor_from_json(c["initial"]["q_scale"]), constraints::positive);
  expect_close(checks, "initial q_scale_unconstrained", store.get_unconstrained("q_scale").detach(),
               c["initial"]["q_scale_unconstrained"]);

  double eps = 0;
  auto model = [&] {
    auto z = sample("z", distributions::Normal(torch::full({}, nn.prior_loc, torch::kDouble), nn.prior_scale));
    sample("x", distributions::Normal(z, nn.noise), torch::full({}, nn.x, torch::kDouble));
  };
  auto guide = [&] {
    auto loc = param("q_loc", torch::zeros({}, torch::kDouble));
    auto scale = param("q_scale", torch::ones({}, torch::kDouble), constraints::positive);
    sample("z", std::make_shared<FixedNoiseNormal>(loc, scale, eps));
  };
  infer::SVI svi(model, guide, std::shared_ptr<optim::PyroOptim>(make_optimizer(c)), infer::TraceELBO());
  infer::TraceELBO elbo;
  for (size_t k = 0; k < 3; ++k) {
    eps = c["eps"][k].as_double();
    const std::string step = "step " + std::to_string(k + 1) + " ";
    // The gradient at the current parameters, computed apart from the step (nothing is updated).
    auto loss = elbo.differentiable_loss(model, guide);
    auto grads = torch::autograd::grad({loss}, {store.get_unconstrained("q_loc"), store.get_unconstrained("q_scale")});
    expect_close(checks, step + "grad q_loc", grads[0], c["grad_before_step"][k]["q_loc"]);
    expect_close(checks, step + "grad q_scale_unconstrained", grads[1],
                 c["grad_before_step"][k]["q_scale_unconstrained"]);
    expect_close(checks, step + "loss", svi.step(), c["loss_per_step"][k]);
    const Json& after = c["params_after_step"][k];
    expect_close(checks, step + "q_loc", store.get("q_loc").detach(), after["q_loc"]);
    expect_close(checks, step + "q_scale", store.get("q_scale").detach(), after["q_scale"]);
    expect_close(checks, step + "q_scale_unconstrained", store.get_unconstrained("q_scale").detach(),
                 after["q_scale_unconstrained"]);
  }
}

void run_optim(const Json& doc, Report& report) {
  for (const Json& c : doc["cases"].as_array())
    report.check(c["name"].as_string(), [&](Checks& checks) { check_optimizer_case(c, checks); });
  for (const Json& c : doc["svi_cases"].as_array())
    report.check(c["name"].as_string(), [&](Checks& checks) { check_svi_case(c, checks); });
}

const RegisterChecker registered_optim{{"optim", [](const Json& d) { return d.contains("svi_cases"); }, run_optim}};

}  // namespace
}  // namespace conformance
}  // namespace pplx
