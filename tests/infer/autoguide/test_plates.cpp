// SPDX-License-Identifier: Apache-2.0
// Autoguides with plates and subsampling, AutoGuideList, Predictive and saved parameters.
#include <unistd.h>
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
namespace autoguide_plates_test {
namespace {

constexpr int64_t kN = 12, kSub = 4;
torch::Tensor scalar(double v) { return torch::full({}, v, torch::kDouble); }

// mu ~ N(0, 3); z_i ~ N(mu, 1) for a subsample of 4 of 12 points; x_i ~ N(z_i, 0.5).
void local_model(const torch::Tensor& x) {
  auto mu = pplx::sample("mu", dist::Normal(scalar(0.0), 3.0));
  pplx::plate data("data", kN, pplx::PlateOptions().subsample_size(kSub));
  auto z = pplx::sample("z", dist::Normal(mu, 1.0));
  pplx::sample("x", dist::Normal(z, 0.5), data.subsample(x));
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const pplx::Error& e) {
    return e.what();
  }
  return "NO pplx::Error";
}

std::string temp_path(const char* stem) {
  return std::string("/tmp/") + stem + "_" + std::to_string(::getpid()) + ".pplx";
}

}  // namespace

TEST_CASE("AutoNormal subsampled plate: full-size parameters indexed by the subsample the model replays") {
  pplx::clear_param_store();
  torch::manual_seed(7);
  auto x = torch::randn({kN}, torch::kDouble);
  auto guide = ag::AutoNormal(local_model);
  guide(x);
  auto& store = pplx::get_param_store();
  CHECK(store.get("AutoNormal.locs.z").sizes() == torch::IntArrayRef{kN});
  // Distinct locs and tiny scales: each draw of z shows which entries the subsample picked.
  store.set("AutoNormal.locs.z", torch::arange(kN, torch::kDouble) * 10);
  store.set("AutoNormal.scales.z", torch::full({kN}, 1e-8, torch::kDouble), pplx::constraints::softplus_positive);
  for (int rep = 0; rep < 3; ++rep) {
    auto guide_tr = h::trace(guide).get_trace(x);
    auto model_tr = h::trace(h::replay(local_model, guide_tr)).get_trace(x);
    auto idx = guide_tr.at("data").value;
    CHECK(idx.sizes() == torch::IntArrayRef{kSub});
    CHECK(torch::equal(model_tr.at("data").value, idx));
    CHECK(torch::allclose(guide_tr.at("z").value, idx.to(torch::kDouble) * 10, 0, 1e-5));
    CHECK(torch::equal(model_tr.at("z").value, guide_tr.at("z").value));
    // The guide's site is scaled like the model's: N / subsample.
    CHECK(guide_tr.at("z").scale == doctest::Approx(double(kN) / kSub));
    CHECK(model_tr.at("x").value.sizes() == torch::IntArrayRef{kSub});
  }
  // median and quantiles have the full plate size.
  CHECK(guide.median().at("z").sizes() == torch::IntArrayRef{kN});
  CHECK(guide.quantiles({0.2, 0.8}).at("z").sizes() == torch::IntArrayRef{2, kN});
}

TEST_CASE("AutoNormal and AutoDelta fit every local latent through subsampled steps") {
  // Without mu: z_i ~ N(0, 1), x_i ~ N(z_i, 0.5) has posterior mean x_i / 1.25 and sd sqrt(0.2).
  auto model = [](const torch::Tensor& x) {
    pplx::plate data("data", kN, pplx::PlateOptions().subsample_size(kSub));
    auto z = pplx::sample("z", dist::Normal(scalar(0.0), 1.0));
    pplx::sample("x", dist::Normal(z, 0.5), data.subsample(x));
  };
  torch::manual_seed(8);
  auto x = torch::randn({kN}, torch::kDouble) * 2;
  auto exact = x / 1.25;
  {
    pplx::clear_param_store();
    auto guide = ag::AutoNormal(model);
    pplx::optim::Adam adam(torch::optim::AdamOptions(0.05));
    pplx::optim::ExponentialLR decay(adam, std::pow(0.02, 1.0 / 3000));
    // Vectorized particles: z has shape [8, 4] in the particle and data plates.
    infer::SVI svi(model, guide, adam,
                   infer::TraceELBO(infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
    for (int i = 0; i < 3000; ++i) {
      svi.step(x);
      decay.step();
    }
    auto med = guide.median();
    MESSAGE("AutoNormal subsampled: max |median - exact| = " << (med.at("z") - exact).abs().max().item<double>());
    CHECK(torch::allclose(med.at("z"), exact, 0, 0.05));
    auto q = guide.quantiles({0.158655253931457, 0.841344746068543});
    auto sd = ((q.at("z")[1] - q.at("z")[0]) / 2).mean().item<double>();
    CHECK(sd == doctest::Approx(std::sqrt(0.2)).epsilon(0.2));
  }
  {
    pplx::clear_param_store();
    auto guide = ag::AutoDelta(model);
    infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
    for (int i = 0; i < 800; ++i) svi.step(x);
    auto med = guide.median();
    MESSAGE("AutoDelta subsampled: max |MAP - exact| = " << (med.at("z") - exact).abs().max().item<double>());
    CHECK(torch::allclose(med.at("z"), exact, 0, 0.02));
  }
}

TEST_CASE("AutoContinuous guides refuse subsampled plates, naming the site and the plate") {
  pplx::clear_param_store();
  auto x = torch::randn({kN}, torch::kDouble);
  auto msg = error_of([&] {
    auto guide = ag::AutoDiagonalNormal(local_model);
    guide(x);
  });
  CHECK(msg.find("latent site 'z'") != std::string::npos);
  CHECK(msg.find("'data' (4 of 12)") != std::string::npos);
  CHECK(msg.find("do not support subsampled plates") != std::string::npos);
  auto mvn = ag::AutoMultivariateNormal(local_model);
  CHECK_THROWS_AS(mvn(x), pplx::NotImplementedError);
  auto laplace = ag::AutoLaplaceApproximation(local_model);
  CHECK_THROWS_AS(laplace(x), pplx::NotImplementedError);
  // Plates without subsampling are fine: the Deltas are sampled inside them.
  auto full = [](const torch::Tensor& x) {
    pplx::plate data("data", x.size(0));
    auto z = pplx::sample("z", dist::Normal(scalar(0.0), 1.0));
    pplx::sample("x", dist::Normal(z, 0.5), x);
  };
  auto guide = ag::AutoDiagonalNormal(full);
  auto tr = h::trace(guide).get_trace(x);
  CHECK(tr.at("z").plates.size() == 1);
  CHECK(tr.at("z").value.sizes() == torch::IntArrayRef{kN});
}

TEST_CASE("AutoGuideList: an autoguide over the global site, AutoNormal and a hand-written guide share one subsample") {
  pplx::clear_param_store();
  torch::manual_seed(9);
  // mu global; z and u local in the same subsampled plate.
  auto model = [](const torch::Tensor& x) {
    auto mu = pplx::sample("mu", dist::Normal(scalar(0.0), 3.0));
    pplx::plate data("data", kN, pplx::PlateOptions().subsample_size(kSub));
    auto z = pplx::sample("z", dist::Normal(mu, 1.0));
    auto u = pplx::sample("u", dist::Normal(scalar(0.0), 1.0));
    pplx::sample("x", dist::Normal(z + u, 0.5), data.subsample(x));
  };
  auto x = torch::randn({kN}, torch::kDouble);
  torch::Tensor hand_indices;
  auto local_guide = [&](const torch::Tensor&) {
    auto loc = pplx::param("u_loc", torch::zeros({kN}, torch::kDouble));
    pplx::plate data("data", kN, pplx::PlateOptions().subsample_size(kSub));
    hand_indices = data.indices();
    pplx::sample("u", dist::Normal(data.subsample(loc), 0.1));
  };
  ag::AutoGuideList guide(model);
  guide.append(ag::AutoDiagonalNormal(h::block(model, h::BlockOptions().expose({"mu"}))));
  guide.append(ag::AutoNormal(h::block(model, h::BlockOptions().expose({"z"}))));
  guide.append(local_guide, [](const torch::Tensor&) {
    return h::TensorMap{{"u", pplx::get_param_store().get("u_loc").detach()}};
  });
  CHECK(guide.size() == 3);
  auto copy = guide;  // shares the parts
  auto guide_tr = h::trace(copy).get_trace(x);
  CHECK(guide_tr.contains("mu"));
  CHECK(guide_tr.contains("z"));
  CHECK(guide_tr.contains("u"));
  auto& store = pplx::get_param_store();
  CHECK(store.contains("AutoGuideList.0.loc"));
  CHECK(store.contains("AutoGuideList.1.locs.z"));
  CHECK(guide_tr.contains("_AutoGuideList.0_latent"));
  CHECK(torch::equal(hand_indices, guide_tr.at("data").value));
  for (const auto& s : guide_tr)
    if (s.type == pplx::SiteType::plate) CHECK(torch::equal(s.value, hand_indices));
  // SVI runs, the model replays the shared subsample.
  infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), infer::TraceELBO());
  CHECK(std::isfinite(svi.step(x)));
  auto med = guide.median(x);
  CHECK(med.size() == 3);
  CHECK(med.at("z").sizes() == torch::IntArrayRef{kN});
  CHECK(med.at("u").sizes() == torch::IntArrayRef{kN});
  auto q = guide.quantiles({0.5}, x);
  CHECK(q.count("mu") == 1);
  CHECK(q.count("u") == 0);  // the hand-written part has no quantiles
  // An autoguide that has already run cannot be renamed into a list.
  auto used = ag::AutoNormal(h::block(model, h::BlockOptions().expose({"z"})));
  used(x);
  ag::AutoGuideList late(model);
  CHECK_THROWS_AS(late.append(used), pplx::ValueError);
}

TEST_CASE("Predictive takes an autoguide: posterior predictive draws of the observations") {
  pplx::clear_param_store();
  torch::manual_seed(10);
  auto model = [](const torch::Tensor& x, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(scalar(0.0), 1.0));
    auto s = pplx::sample("s", dist::HalfNormal(scalar(1.0)));
    pplx::plate data("data", x.size(0));
    pplx::sample("y", dist::Normal(w * x, s), y);
  };
  auto x = torch::linspace(-1, 1, 8, torch::kDouble);
  auto y = 2 * x;
  auto guide = ag::AutoNormal(model);
  infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
  for (int i = 0; i < 300; ++i) svi.step(x, y);
  infer::Predictive predictive(model, guide, 40);
  auto samples = predictive(x, torch::Tensor());
  CHECK(samples.count("w") == 0);                // latent: fixed by the guide
  CHECK(samples.count("s_unconstrained") == 0);  // the guide's auxiliary site is not a model site
  CHECK(samples.at("y").sizes() == torch::IntArrayRef{40, 8});
  auto w = guide.median().at("w").item<double>();
  CHECK(w == doctest::Approx(2.0).epsilon(0.25));
  CHECK(torch::allclose(samples.at("y").mean(0), w * x, 0, 0.5));
  infer::Predictive with_latents(model, guide, 5, {"w", "s"});
  auto latents = with_latents(x, torch::Tensor());
  CHECK(latents.at("s").sizes() == torch::IntArrayRef{5});
  CHECK(latents.at("s").min().item<double>() > 0);
}

TEST_CASE("ParamStore save and load: a guide built over a loaded store gives the same median") {
  auto model = [](const torch::Tensor& x) {
    auto m = pplx::sample("m", dist::Normal(torch::zeros({2}, torch::kDouble), 1.0).to_event(1));
    auto s = pplx::sample("s", dist::Gamma(scalar(2.0), scalar(2.0)));
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(m.sum(), s), x);
  };
  auto x = torch::tensor({0.5, 1.5, 1.0, 2.0}, torch::kDouble);
  const std::string path = temp_path("autoguide_store");
  h::TensorMap normal_median, diag_median, diag_q;
  {
    pplx::ParamStore store;
    pplx::ParamStoreScope use(store);
    torch::manual_seed(11);
    auto normal = ag::AutoNormal(model);
    auto diag = ag::AutoDiagonalNormal(model);
    infer::SVI a(model, normal, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
    infer::SVI b(model, diag, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), infer::TraceELBO());
    for (int i = 0; i < 50; ++i) {
      a.step(x);
      b.step(x);
    }
    normal_median = normal.median();
    diag_median = diag.median();
    diag_q = diag.quantiles({0.1, 0.9});
    store.save(path);
  }
  // "A fresh process": a new store loaded from the file, new guides that have never run.
  pplx::ParamStore loaded;
  loaded.load(path);
  std::remove(path.c_str());
  pplx::ParamStoreScope use(loaded);
  CHECK(loaded.constraint("AutoNormal.scales.s")->name() == "softplus_positive");
  torch::manual_seed(12);  // different init draws must not matter: the store's values win
  auto normal = ag::AutoNormal(model, ag::AutoNormalOptions().init_loc_fn(ag::init_to_sample()));
  auto diag = ag::AutoDiagonalNormal(model, ag::AutoDiagonalNormalOptions().init_loc_fn(ag::init_to_sample()));
  for (const auto& kv : normal.median(x)) CHECK(torch::allclose(kv.second, normal_median.at(kv.first), 1e-12, 1e-12));
  for (const auto& kv : diag.median(x)) CHECK(torch::allclose(kv.second, diag_median.at(kv.first), 1e-12, 1e-12));
  for (const auto& kv : diag.quantiles({0.1, 0.9}, x))
    CHECK(torch::allclose(kv.second, diag_q.at(kv.first), 1e-12, 1e-12));
  CHECK(loaded.size() == 6);  // nothing new was created: 4 AutoNormal + 2 AutoDiagonalNormal
}

}  // namespace autoguide_plates_test
