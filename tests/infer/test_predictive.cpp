// SPDX-License-Identifier: Apache-2.0
// Predictive: shapes, site selection and the values it conditions on.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/delta.h>
#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/infer/predictive.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace infer = pplx::infer;

namespace {
// y_i ~ N(w * x_i + b, 0.1); `y` undefined means "predict".
void regression_model(const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
  auto b = pplx::sample("b", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
  auto mean = pplx::deterministic("mean", w * x + b, 1);
  pplx::plate data("data", x.size(0));
  pplx::sample("y", dist::Normal(mean, 0.1), y);
}
void regression_guide(const torch::Tensor&, const torch::Tensor&) {
  pplx::sample("w", dist::Normal(pplx::param("w_loc", torch::full({}, 2.0, torch::kDouble)), 0.01));
  pplx::sample("b", dist::Normal(pplx::param("b_loc", torch::full({}, -1.0, torch::kDouble)), 0.01));
}
}  // namespace

TEST_CASE("Predictive from a regression_guide returns stacked draws of the unfixed sites") {
  torch::manual_seed(20);
  pplx::clear_param_store();
  auto x = torch::linspace(0, 1, 5, torch::kDouble);
  infer::Predictive predictive(regression_model, regression_guide, 30);
  auto samples = predictive(x, torch::Tensor());
  CHECK(samples.count("y") == 1);
  CHECK(samples.count("mean") == 1);
  CHECK(samples.count("w") == 0);  // fixed by the regression_guide: not returned by default
  CHECK(samples.at("y").sizes() == torch::IntArrayRef{30, 5});
  CHECK(samples.at("mean").sizes() == torch::IntArrayRef{30, 5});
  CHECK(!samples.at("y").requires_grad());
  // The draws follow the regression_guide: y ~ 2x - 1 up to noise 0.1 and regression_guide scale 0.01.
  auto expected = (2 * x - 1).expand({30, 5});
  CHECK((samples.at("y") - expected).abs().max().item<double>() < 0.6);
  CHECK(samples.at("y").std(0).mean().item<double>() == doctest::Approx(0.1).epsilon(0.5));

  infer::Predictive with_latents(regression_model, regression_guide, 7, {"w", "y"});
  auto s2 = with_latents(x, torch::Tensor());
  CHECK(s2.size() == 2);
  CHECK(s2.at("w").sizes() == torch::IntArrayRef{7});
  CHECK((s2.at("w") - 2).abs().max().item<double>() < 0.1);
  infer::Predictive bad(regression_model, regression_guide, 3, {"nope"});
  CHECK_THROWS_AS(bad(x, torch::Tensor()), pplx::SiteError);
  CHECK_THROWS_AS(infer::Predictive(regression_model, regression_guide, 0), pplx::ValueError);
}

TEST_CASE("Predictive from posterior samples conditions each run on one sample") {
  torch::manual_seed(21);
  auto x = torch::tensor({0.0, 1.0}, torch::kDouble);
  pplx::handlers::TensorMap posterior{{"w", torch::tensor({1.0, 2.0, 3.0}, torch::kDouble)},
                                      {"b", torch::tensor({0.0, 10.0, 20.0}, torch::kDouble)}};
  infer::Predictive predictive(regression_model, posterior, 0, {"mean"});
  auto samples = predictive(x, torch::Tensor());
  auto expected = torch::tensor({{0.0, 1.0}, {10.0, 12.0}, {20.0, 23.0}}, torch::kDouble);
  CHECK(torch::allclose(samples.at("mean"), expected));
  CHECK_THROWS_AS(infer::Predictive(regression_model, posterior, 5), pplx::ValueError);
  pplx::handlers::TensorMap ragged{{"w", torch::zeros({3}, torch::kDouble)}, {"b", torch::zeros({2}, torch::kDouble)}};
  CHECK_THROWS_AS(infer::Predictive(regression_model, ragged), pplx::ShapeError);
}

namespace {
// NumPyro #1772's model: eta is a deterministic function of the latents and of the inputs X.
void linear_eta_model(const torch::Tensor& x, const torch::Tensor& y) {
  auto alpha = pplx::sample("alpha", dist::Normal(torch::zeros({}, torch::kDouble), 10.0));
  auto beta = pplx::sample("beta", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
  pplx::plate data("data", x.size(0));
  auto eta = pplx::deterministic("eta", alpha + beta * x);
  pplx::sample("obs", dist::Normal(eta, 0.01), y);
}
void linear_eta_guide(const torch::Tensor&, const torch::Tensor&) {
  pplx::sample("alpha", dist::Normal(pplx::param("alpha_loc", torch::full({}, 5.0, torch::kDouble)), 0.1));
  pplx::sample("beta", dist::Normal(pplx::param("beta_loc", torch::full({}, 1.2, torch::kDouble)), 0.1));
}
}  // namespace

TEST_CASE("Predictive recomputes deterministic sites from new inputs instead of replaying stored values") {
  torch::manual_seed(22);
  // Posterior samples as MCMC returns them: eta was recorded on the 4 training inputs.
  auto x_train = torch::tensor({0.0, 1.0, 2.0, 3.0}, torch::kDouble);
  auto alpha = torch::tensor({5.0, 4.5, 5.5}, torch::kDouble);
  auto beta = torch::tensor({1.2, 1.0, 1.4}, torch::kDouble);
  pplx::handlers::TensorMap posterior{
      {"alpha", alpha}, {"beta", beta}, {"eta", alpha.unsqueeze(1) + beta.unsqueeze(1) * x_train}};
  for (auto x_new : {torch::tensor({10.0, 20.0, 30.0, 40.0}, torch::kDouble),           // same size: was stale
                     torch::tensor({10.0, 20.0, 30.0, 40.0, 50.0}, torch::kDouble)}) {  // 5: was a shape error
    CAPTURE(x_new.size(0));
    infer::Predictive predictive(linear_eta_model, posterior);
    auto samples = predictive(x_new, torch::Tensor());
    // Returned by default, as NumPyro does: the recomputed deterministic site and the new observations.
    CHECK(samples.count("eta") == 1);
    CHECK(samples.count("alpha") == 0);
    REQUIRE(samples.count("obs") == 1);
    auto expected = alpha.unsqueeze(1) + beta.unsqueeze(1) * x_new;
    CHECK(samples.at("eta").sizes() == expected.sizes());
    CHECK(torch::allclose(samples.at("eta"), expected));
    CHECK((samples.at("obs") - expected).abs().max().item<double>() < 0.1);  // 10 sd of the 0.01 noise
  }
}

TEST_CASE("Predictive from a guide recomputes deterministic sites from new inputs") {
  torch::manual_seed(23);
  pplx::clear_param_store();
  auto x_new = torch::tensor({10.0, 20.0, 30.0, 40.0, 50.0}, torch::kDouble);
  infer::Predictive predictive(linear_eta_model, linear_eta_guide, 20, {"alpha", "beta", "eta"});
  auto samples = predictive(x_new, torch::Tensor());
  auto expected = samples.at("alpha").unsqueeze(1) + samples.at("beta").unsqueeze(1) * x_new;
  CHECK(samples.at("eta").sizes() == torch::IntArrayRef{20, 5});
  CHECK(torch::allclose(samples.at("eta"), expected));
  CHECK(samples.at("alpha").std().item<double>() > 0.01);  // each draw ran the guide afresh
  infer::Predictive defaults(linear_eta_model, linear_eta_guide, 3);
  auto s2 = defaults(x_new, torch::Tensor());
  CHECK(s2.count("eta") == 1);
  CHECK(s2.count("alpha") == 0);
}

TEST_CASE("Predictive fixes only latent sites: an observed site keeps the data the model is given") {
  torch::manual_seed(24);
  auto x = torch::tensor({0.0, 1.0}, torch::kDouble);
  auto y = torch::tensor({7.0, 8.0}, torch::kDouble);
  pplx::handlers::TensorMap posterior{{"alpha", torch::tensor({1.0, 2.0}, torch::kDouble)},
                                      {"beta", torch::tensor({0.0, 0.0}, torch::kDouble)},
                                      {"obs", torch::zeros({2, 2}, torch::kDouble)}};
  infer::Predictive predictive(linear_eta_model, posterior, 0, {"obs", "eta"});
  auto samples = predictive(x, y);
  CHECK(torch::equal(samples.at("obs"), y.expand({2, 2})));
  CHECK(torch::allclose(samples.at("eta"), torch::tensor({{1.0, 1.0}, {2.0, 2.0}}, torch::kDouble)));
  // With the data left undefined the same site is latent, and the posterior's values fix it.
  auto latent = predictive(x, torch::Tensor());
  CHECK(torch::equal(latent.at("obs"), torch::zeros({2, 2}, torch::kDouble)));
}
