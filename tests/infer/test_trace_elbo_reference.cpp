// SPDX-License-Identifier: Apache-2.0
// The model/guide pairs of tests/data/conformance/elbo.json, written as pplx programs from their
// descriptions and run through TraceELBO with the recorded latent values; losses (and, for
// normal_normal, gradients) must equal Pyro 1.8's to 1e-6 relative.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/bernoulli.h>
#include <pplx/distributions/beta.h>
#include <pplx/distributions/delta.h>
#include <pplx/distributions/normal.h>
#include <pplx/handlers/handlers.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

namespace {

torch::Tensor t(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
torch::Tensor s(double v) { return torch::tensor(v, torch::kDouble); }

// A trace holding the fixed latent values, which the guide is replayed against.
pplx::Trace fixed(const std::vector<std::pair<std::string, torch::Tensor>>& latents) {
  handlers::TraceMessenger tr;
  for (const auto& l : latents) pplx::sample(l.first, dist::Delta(l.second, 0.0, l.second.dim()));
  return tr.take_trace();
}

double loss_of(const std::function<void()>& model, const std::function<void()>& guide, const pplx::Trace& latents) {
  auto replayed = [&] {
    handlers::ReplayMessenger r(latents);
    guide();
  };
  return pplx::infer::TraceELBO().loss(model, replayed);
}

// Normal whose reparameterized draw uses a recorded standard-normal noise: z = loc + scale * eps.
class FixedNoiseNormal : public dist::Normal {
 public:
  FixedNoiseNormal(torch::Tensor loc, torch::Tensor scale, double eps) : Normal(loc, scale), eps_(eps) {}
  at::Tensor rsample(c10::IntArrayRef, dist::Generator) const override { return loc() + scale() * eps_; }

 private:
  double eps_;
};

constexpr double kRel = 1e-6;

}  // namespace

TEST_CASE("elbo.json normal_normal: loss and gradients") {
  pplx::clear_param_store();
  auto model = [] {
    auto z = pplx::sample("z", dist::Normal(s(-0.005), 1.232));
    pplx::sample("x", dist::Normal(z, 0.95), s(-0.213));
  };
  auto guide = [] {
    auto q_loc = pplx::param("q_loc", s(-0.093));
    auto q_scale = pplx::param("q_scale", s(0.323), pplx::constraints::positive);
    pplx::sample("z", std::make_shared<FixedNoiseNormal>(q_loc, q_scale, -0.495));
  };
  pplx::infer::TraceELBO elbo;
  auto loss = elbo.differentiable_loss(model, guide);
  CHECK(loss.item<double>() == doctest::Approx(2.104997694526182).epsilon(kRel));
  CHECK(elbo.particles().at(0).guide.at("z").value.item<double>() == doctest::Approx(-0.252885).epsilon(kRel));
  auto& store = pplx::get_param_store();
  auto grads = torch::autograd::grad({loss}, {store.get_unconstrained("q_loc"), store.get_unconstrained("q_scale")});
  CHECK(grads[0].item<double>() == doctest::Approx(-0.20750994245910404).epsilon(kRel));
  CHECK(grads[1].item<double>() == doctest::Approx(-0.9668222728499261).epsilon(kRel));
  // d loss / d q_scale = d loss / d log(q_scale) / q_scale.
  CHECK(grads[1].item<double>() / 0.323 == doctest::Approx(-2.9932578106808854).epsilon(kRel));
}

TEST_CASE("elbo.json plate_obs") {
  pplx::clear_param_store();
  auto model = [] {
    auto mu = pplx::sample("mu", dist::Normal(s(-0.049), 1.903));
    pplx::plate data("data", 4);
    pplx::sample("x", dist::Normal(mu, 0.588), t({-0.525, -0.307, 2.51, 1.587}));
  };
  auto guide = [] {
    pplx::sample("mu", dist::Normal(pplx::param("q_loc", s(0.797)),
                                    pplx::param("q_scale", s(0.226), pplx::constraints::positive)));
  };
  CHECK(loss_of(model, guide, fixed({{"mu", s(-0.315)}})) == doctest::Approx(8.42384471749109).epsilon(kRel));
}

TEST_CASE("elbo.json plate_subsample_local_latent") {
  pplx::clear_param_store();
  auto data = t({-0.929, 1.645, 1.425, -0.981, -0.291, -1.211, 1.058, -0.183});
  auto idx = torch::tensor({5, 0, 4}, torch::kLong);
  auto model = [&] {
    auto mu = pplx::sample("mu", dist::Normal(s(0.0), 1.241));
    pplx::plate p("data", 8, pplx::PlateOptions().subsample(idx));
    auto z = pplx::sample("z", dist::Normal(mu, 1.395));
    pplx::sample("x", dist::Normal(z, 0.571), p.subsample(data));
  };
  auto guide = [&] {
    pplx::sample("mu", dist::Normal(pplx::param("q_mu_loc", s(0.54)),
                                    pplx::param("q_mu_scale", s(0.804), pplx::constraints::positive)));
    auto q_z_loc = pplx::param("q_z_loc", t({-0.734, -0.728, 0.484, 0.742, -0.638, 0.716, -0.595, -0.318}));
    auto q_z_scale = pplx::param("q_z_scale", s(0.746), pplx::constraints::positive);
    pplx::plate p("data", 8, pplx::PlateOptions().subsample(idx));
    pplx::sample("z", dist::Normal(p.subsample(q_z_loc), q_z_scale));
  };
  auto latents = fixed({{"mu", s(-0.702)}, {"z", t({0.044, -0.259, -1.61})}});
  CHECK(loss_of(model, guide, latents) == doctest::Approx(19.8629203424354).epsilon(kRel));
}

TEST_CASE("elbo.json poutine_scale") {
  pplx::clear_param_store();
  auto data = t({1.924, 0.993, 1.561, 0.422, 1.582, 0.206, 0.895, 0.049, -1.951, -0.633});
  auto idx = torch::tensor({0, 6, 2, 4}, torch::kLong);
  auto model = [&] {
    auto z = pplx::sample("z", dist::Normal(s(-0.46), 1.24));
    auto half = handlers::scale(0.5);
    pplx::sample("x", dist::Normal(z, 0.951), s(0.517));
    pplx::plate p("data", 10, pplx::PlateOptions().subsample(idx));
    pplx::sample("y", dist::Normal(z, 0.925), p.subsample(data));
  };
  auto guide = [] {
    pplx::sample("z", dist::Normal(pplx::param("q_loc", s(0.844)),
                                   pplx::param("q_scale", s(0.326), pplx::constraints::positive)));
  };
  CHECK(loss_of(model, guide, fixed({{"z", s(-0.232)}})) == doctest::Approx(9.775329383687096).epsilon(kRel));
}

TEST_CASE("elbo.json to_event_regression") {
  pplx::clear_param_store();
  auto X = torch::tensor({-0.291, 0.623, 0.108, 0.291, -0.878, -0.163, 0.376, 0.555, -0.192, -0.25, -0.939, -1.292},
                         torch::kDouble)
               .reshape({4, 3});
  auto y = t({0.318, 1.643, -0.735, -1.87});
  auto model = [&] {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({3}, torch::kDouble), 0.51).to_event(1));
    auto b = pplx::sample("b", dist::Normal(s(0.0), 1.814));
    pplx::plate data("data", 4);
    pplx::sample("y", dist::Normal(X.matmul(w) + b, 0.285), y);
  };
  auto guide = [] {
    auto w_loc = pplx::param("q_w_loc", t({0.694, 0.527, 0.803}));
    auto w_scale = pplx::param("q_w_scale", t({0.834, 0.334, 0.666}), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    pplx::sample("b", dist::Normal(pplx::param("q_b_loc", s(-0.4)),
                                   pplx::param("q_b_scale", s(0.28), pplx::constraints::positive)));
  };
  auto latents = fixed({{"w", t({-0.339, -0.398, -0.923})}, {"b", s(-0.814)}});
  CHECK(loss_of(model, guide, latents) == doctest::Approx(76.64613183190825).epsilon(kRel));
}

TEST_CASE("elbo.json obs_with_mask") {
  pplx::clear_param_store();
  auto m1 = torch::tensor({true, false, true, true, false});
  auto m2 = torch::tensor({false, true, true, false, true});
  auto model = [&] {
    auto mu = pplx::sample("mu", dist::Normal(s(0.0), 1.982));
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(mu, 0.783).mask(m1), t({1.155, -1.156, -0.433, -1.657, 1.881}));
    auto masked = handlers::mask(m2);
    auto doubled = handlers::scale(2.0);
    pplx::sample("y", dist::Normal(mu, 0.831), t({1.774, -0.099, -0.461, 1.896, -0.7}));
  };
  auto guide = [] {
    pplx::sample("mu", dist::Normal(pplx::param("q_loc", s(-0.539)),
                                    pplx::param("q_scale", s(0.25), pplx::constraints::positive)));
  };
  CHECK(loss_of(model, guide, fixed({{"mu", s(0.635)}})) == doctest::Approx(8.056836756390648).epsilon(kRel));
}

TEST_CASE("elbo.json beta_bernoulli") {
  pplx::clear_param_store();
  auto model = [] {
    auto p = pplx::sample("p", dist::Beta(s(1.114), 2.782));
    pplx::plate data("data", 6);
    pplx::sample("x", dist::Bernoulli(p), t({1.0, 0.0, 0.0, 0.0, 1.0, 0.0}));
  };
  auto guide = [] {
    pplx::sample("p", dist::Beta(pplx::param("q_alpha", s(1.62), pplx::constraints::positive),
                                 pplx::param("q_beta", s(1.58), pplx::constraints::positive)));
  };
  CHECK(loss_of(model, guide, fixed({{"p", s(0.161)}})) == doctest::Approx(3.53529984951993).epsilon(kRel));
}
