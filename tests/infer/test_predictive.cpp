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
