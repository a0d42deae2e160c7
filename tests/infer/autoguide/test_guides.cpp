// SPDX-License-Identifier: Apache-2.0
// Autoguides: parameter names and shapes, the sites they sample, shared state, plates and
// subsampling, AutoGuideList, Predictive, save/load and the errors of bad input.
#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ag = pplx::infer::autoguide;
namespace h = pplx::handlers;
namespace infer = pplx::infer;

// Named so that unity builds keep this file's helpers apart from other test files'.
namespace autoguide_guides_test {
namespace {

torch::Tensor dbl(std::initializer_list<double> v) { return torch::tensor(std::vector<double>(v), torch::kDouble); }

// w ~ N(0, 1)^3, s ~ LogNormal(0, 1), p ~ Beta(2, 2), y ~ N(x w, s) over a data plate.
void mixed_model(const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({3}, torch::kDouble), 1.0).to_event(1));
  auto s = pplx::sample("s", dist::LogNormal(torch::zeros({}, torch::kDouble), 1.0));
  pplx::sample("p", dist::Beta(dbl({2.0}).squeeze(), dbl({2.0}).squeeze()));
  pplx::plate data("data", x.size(0));
  pplx::sample("y", dist::Normal(x.matmul(w), s), y);
}

struct Data {
  torch::Tensor x, y;
  Data() {
    pplx::clear_param_store();
    torch::manual_seed(3);
    x = torch::randn({20, 3}, torch::kDouble);
    y = x.matmul(dbl({1.0, -1.0, 0.5})) + 0.3 * torch::randn({20}, torch::kDouble);
  }
};

std::vector<std::string> sample_sites(const pplx::Trace& tr) {
  std::vector<std::string> out;
  for (const auto& s : tr)
    if (s.type == pplx::SiteType::sample) out.push_back(s.name);
  return out;
}

// Calls a guide once (a helper: `ag::AutoNormal(model)(x);` alone would declare a variable).
template <class Guide, class... Args>
void call(Guide guide, Args... args) {
  guide(args...);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const pplx::Error& e) {
    return e.what();
  }
  return "NO pplx::Error";
}

}  // namespace

TEST_CASE("AutoNormal: Pyro's parameter names, unconstrained shapes and sites") {
  Data d;
  auto guide = ag::AutoNormal(mixed_model);  // class template argument deduction
  auto tr = h::trace(guide).get_trace(d.x, d.y);
  auto& store = pplx::get_param_store();
  CHECK(store.contains("AutoNormal.locs.w"));
  CHECK(store.contains("AutoNormal.scales.w"));
  CHECK(store.get("AutoNormal.locs.w").sizes() == torch::IntArrayRef{3});
  CHECK(store.get("AutoNormal.locs.s").dim() == 0);
  CHECK(store.constraint("AutoNormal.scales.p")->name() == "softplus_positive");
  // init_to_feasible: unconstrained zeros, scales 0.1.
  CHECK(torch::allclose(store.get("AutoNormal.locs.w"), torch::zeros({3}, torch::kDouble)));
  CHECK(torch::allclose(store.get("AutoNormal.scales.s"), torch::full({}, 0.1, torch::kDouble)));
  // Real site: one Normal site; constrained sites: <name>_unconstrained (auxiliary) then a Delta.
  CHECK(sample_sites(tr) == std::vector<std::string>{"w", "s_unconstrained", "s", "p_unconstrained", "p"});
  CHECK(tr.at("s_unconstrained").infer.is_auxiliary);
  CHECK(tr.at("s").fn->name() == "Delta");
  CHECK(tr.at("w").fn->event_shape() == torch::IntArrayRef{3});
  CHECK(tr.at("s").value.item<double>() > 0);
  CHECK(torch::allclose(tr.at("s").value, tr.at("s_unconstrained").value.exp()));
  CHECK(tr.at("p").value.item<double>() > 0);
  CHECK(tr.at("p").value.item<double>() < 1);
  // The Delta carries -log|J|: log q(s) = log N(u) - u for s = exp(u).
  tr.compute_log_prob();
  auto u = tr.at("s_unconstrained").value;
  CHECK(tr.at("s").log_prob.item<double>() == doctest::Approx(-u.item<double>()).epsilon(1e-9));
  // The median is biject_to(loc) on the constrained scale: exp(0) = 1 and sigmoid(0) = 0.5.
  auto med = guide.median();
  CHECK(med.at("s").item<double>() == doctest::Approx(1.0));
  CHECK(med.at("p").item<double>() == doctest::Approx(0.5));
  CHECK(!med.at("w").requires_grad());
  CHECK(guide.prefix() == "AutoNormal");
}

TEST_CASE("AutoNormal: copies share parameters, SVI trains the caller's guide") {
  Data d;
  auto guide = ag::AutoNormal(mixed_model, ag::AutoNormalOptions().init_scale(0.05));
  auto copy = guide;
  infer::SVI svi(mixed_model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
  auto before = copy.median(d.x, d.y);  // sets up the shared state through the copy
  for (int i = 0; i < 20; ++i) svi.step(d.x, d.y);
  auto after = guide.median();
  CHECK(!torch::allclose(before.at("w"), after.at("w")));
  CHECK(torch::allclose(copy.median().at("w"), after.at("w")));
  CHECK(guide.impl() == copy.impl());
  CHECK(pplx::get_param_store().get("AutoNormal.scales.w").sizes() == torch::IntArrayRef{3});
  CHECK_THROWS_AS(ag::AutoNormal(mixed_model, ag::AutoNormalOptions().init_scale(0.0)), pplx::ValueError);
}

TEST_CASE("AutoNormal quantiles: Normal quantiles mapped by biject_to, shape [Q, ...]") {
  Data d;
  auto guide = ag::AutoNormal(mixed_model, ag::AutoNormalOptions().init_loc_fn(ag::init_to_value(
                                               {{"s", dbl({2.0}).squeeze()}}, ag::init_to_feasible())));
  auto q = guide.quantiles({0.1, 0.5, 0.9}, d.x, d.y);
  CHECK(q.at("w").sizes() == torch::IntArrayRef{3, 3});
  CHECK(q.at("s").sizes() == torch::IntArrayRef{3});
  const double z90 = 1.2815515655446004;
  CHECK(q.at("s")[1].item<double>() == doctest::Approx(2.0));
  CHECK(q.at("s")[2].item<double>() == doctest::Approx(2.0 * std::exp(0.1 * z90)).epsilon(1e-6));
  CHECK(q.at("s")[0].item<double>() == doctest::Approx(2.0 * std::exp(-0.1 * z90)).epsilon(1e-6));
  CHECK_THROWS_AS(guide.quantiles({0.0, 0.5}), pplx::ValueError);
}

TEST_CASE("AutoDelta: one point per site, constrained by the support, median returns it") {
  Data d;
  auto guide = ag::AutoDelta(mixed_model);
  auto tr = h::trace(guide).get_trace(d.x, d.y);
  CHECK(sample_sites(tr) == std::vector<std::string>{"w", "s", "p"});
  CHECK(tr.at("p").fn->name() == "Delta");
  auto& store = pplx::get_param_store();
  CHECK(store.contains("AutoDelta.w"));
  CHECK(store.constraint("AutoDelta.s")->name() == "positive");
  CHECK(store.constraint("AutoDelta.p")->name() == "unit_interval");
  // init_to_median: within the prior's bulk.
  CHECK(store.get("AutoDelta.p").item<double>() > 0.05);
  CHECK(store.get("AutoDelta.p").item<double>() < 0.95);
  auto med = guide.median();
  CHECK(torch::equal(med.at("w"), tr.at("w").value.detach()));
  auto q = guide.quantiles({0.25, 0.75});
  CHECK(q.at("w").sizes() == torch::IntArrayRef{2, 3});
  CHECK(torch::equal(q.at("w")[0], med.at("w")));
}

TEST_CASE("AutoDiagonalNormal: one packed latent, Pyro's names, Deltas with the log-Jacobian") {
  Data d;
  auto guide = ag::AutoDiagonalNormal(mixed_model);
  auto tr = h::trace(guide).get_trace(d.x, d.y);
  CHECK(guide.latent_dim() == 5);
  CHECK(sample_sites(tr) == std::vector<std::string>{"_AutoDiagonalNormal_latent", "w", "s", "p"});
  CHECK(tr.at("_AutoDiagonalNormal_latent").infer.is_auxiliary);
  auto& store = pplx::get_param_store();
  CHECK(store.get("AutoDiagonalNormal.loc").sizes() == torch::IntArrayRef{5});
  CHECK(store.get("AutoDiagonalNormal.scale").sizes() == torch::IntArrayRef{5});
  auto latent = tr.at("_AutoDiagonalNormal_latent").value;
  CHECK(torch::allclose(tr.at("w").value, latent.narrow(0, 0, 3)));
  CHECK(tr.at("s").value.item<double>() == doctest::Approx(latent[3].exp().item<double>()));
  CHECK(tr.at("p").value.item<double>() == doctest::Approx(latent[4].sigmoid().item<double>()));
  auto med = guide.median();
  CHECK(med.at("w").sizes() == torch::IntArrayRef{3});
  // init_to_median of LogNormal(0, 1): about exp(0) = 1; of Beta(2, 2): about 0.5.
  CHECK(med.at("s").item<double>() ==
        doctest::Approx(torch::exp(store.get("AutoDiagonalNormal.loc")[3]).item<double>()));
  auto q = guide.quantiles({0.5, 0.9});
  CHECK(q.at("w").sizes() == torch::IntArrayRef{2, 3});
  CHECK(torch::allclose(q.at("w")[0], med.at("w")));
}

TEST_CASE("AutoMultivariateNormal and AutoLowRankMultivariateNormal: parameters and rank checks") {
  Data d;
  auto mvn = ag::AutoMultivariateNormal(mixed_model);
  auto tr = h::trace(mvn).get_trace(d.x, d.y);
  auto& store = pplx::get_param_store();
  CHECK(store.get("AutoMultivariateNormal.scale_tril").sizes() == torch::IntArrayRef{5, 5});
  CHECK(store.constraint("AutoMultivariateNormal.scale_tril")->name() == "unit_lower_cholesky");
  CHECK(torch::allclose(mvn.scale_tril(), 0.1 * torch::eye(5, torch::kDouble)));
  CHECK(tr.at("_AutoMultivariateNormal_latent").fn->name() == "MultivariateNormal");

  auto lowrank = ag::AutoLowRankMultivariateNormal(mixed_model, ag::AutoLowRankMultivariateNormalOptions().rank(2));
  lowrank(d.x, d.y);
  CHECK(lowrank.rank() == 2);
  CHECK(store.get("AutoLowRankMultivariateNormal.cov_factor").sizes() == torch::IntArrayRef{5, 2});
  CHECK(store.get("AutoLowRankMultivariateNormal.scale")[0].item<double>() == doctest::Approx(0.1 * std::sqrt(0.5)));
  // The store already holds this guide's parameters for 5 latent dims: a 4-dim guide of the same
  // name is refused by the store, naming the parameter.
  auto by_default = ag::AutoLowRankMultivariateNormal(h::block(mixed_model, h::BlockOptions().expose({"w", "s"})));
  CHECK_THROWS_AS(by_default.median(d.x, d.y), pplx::ShapeError);
  pplx::clear_param_store();
  CHECK(by_default.median(d.x, d.y).size() == 2);
  CHECK(by_default.rank() == 2);  // round(sqrt(4))

  CHECK_THROWS_AS(ag::AutoLowRankMultivariateNormal(mixed_model, ag::AutoLowRankMultivariateNormalOptions().rank(0)),
                  pplx::ValueError);
  auto too_big = ag::AutoLowRankMultivariateNormal(mixed_model, ag::AutoLowRankMultivariateNormalOptions().rank(6));
  auto msg = error_of([&] { too_big(d.x, d.y); });
  CHECK(msg.find("rank 6 is larger than the latent dimension 5") != std::string::npos);
}

TEST_CASE("Autoguides: clear errors for no latents, discrete latents and a changing structure") {
  Data d;
  auto observed_only = [](const torch::Tensor& x) { pplx::sample("x", dist::Normal(0.0, 1.0), x); };
  auto none = ag::AutoNormal(observed_only);
  auto msg = error_of([&] { none(torch::zeros({})); });
  CHECK(msg.find("AutoNormal: the model has no latent sample sites") != std::string::npos);
  CHECK_THROWS_AS(call(ag::AutoDiagonalNormal(observed_only), torch::zeros({})), pplx::ValueError);

  auto discrete = [](const torch::Tensor& x) {
    auto z = pplx::sample("z", dist::Bernoulli::with_probs(torch::full({}, 0.3)));
    pplx::sample("x", dist::Normal(z, 1.0), x);
  };
  for (auto text : {error_of([&] { call(ag::AutoNormal(discrete), torch::zeros({})); }),
                    error_of([&] { call(ag::AutoDelta(discrete), torch::zeros({})); }),
                    error_of([&] { call(ag::AutoMultivariateNormal(discrete), torch::zeros({})); })}) {
    CHECK(text.find("discrete latent site 'z'") != std::string::npos);
    CHECK(text.find("by hand") != std::string::npos);
  }

  // Local latents in a plate sized by the data: a different data size changes the structure.
  auto local = [](const torch::Tensor& x) {
    pplx::plate data("data", x.size(0));
    auto z = pplx::sample("z", dist::Normal(torch::zeros({}), 1.0));
    pplx::sample("x", dist::Normal(z, 1.0), x);
  };
  auto guide = ag::AutoNormal(local);
  guide(torch::zeros({4}));
  guide(torch::ones({4}));  // same shapes: no new trace
  msg = error_of([&] { guide(torch::zeros({5})); });
  CHECK(msg.find("latent structure changed between calls") != std::string::npos);
  CHECK(msg.find("'z'") != std::string::npos);
  CHECK(msg.find("[4]") != std::string::npos);

  // A global-only model accepts any data size (the latents keep their shapes).
  auto global = [](const torch::Tensor& x) {
    auto m = pplx::sample("m", dist::Normal(torch::zeros({}), 1.0));
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(m, 1.0), x);
  };
  auto g2 = ag::AutoNormal(global);
  g2(torch::zeros({4}));
  CHECK_NOTHROW(g2(torch::zeros({7})));
  // A site that disappears is a SiteError.
  auto branching = [](const torch::Tensor& x) {
    if (x.size(0) < 5) pplx::sample("extra", dist::Normal(0.0, 1.0));
    pplx::sample("m", dist::Normal(0.0, 1.0));
  };
  auto g3 = ag::AutoDelta(branching);
  g3(torch::zeros({2}));
  CHECK_THROWS_AS(g3(torch::zeros({6})), pplx::SiteError);
}

}  // namespace autoguide_guides_test
