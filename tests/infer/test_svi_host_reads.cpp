// SPDX-License-Identifier: Apache-2.0
// The rule behind SVI's speed on a GPU: a step reads one number back from the device (its loss,
// with the validation verdicts folded in), and step_async reads none. Host reads are counted as
// the bench counts them: calls to the operators that need a tensor's value on the host.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

#include "fixtures.h"

namespace dist = pplx::distributions;

namespace {

// The README model with constrained guide parameters (checked every step: they are new tensors),
// a LogNormal latent (a support check on a new draw) and a subsampled plate.
struct Regression {
  torch::Tensor x = torch::randn({60, 3});
  torch::Tensor y = x.matmul(torch::tensor({1.0f, -1.0f, 0.5f})) + 0.2f * torch::randn({60});
  static void model(const torch::Tensor& x, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1));
    auto s = pplx::sample("s", dist::LogNormal(0.0, 1.0));
    pplx::plate data("data", x.size(0), pplx::PlateOptions().subsample_size(20));
    pplx::sample("y", dist::Normal(data.subsample(x).matmul(w), s), data.subsample(y));
  }
  static void guide(const torch::Tensor&, const torch::Tensor&) {
    auto w_loc = pplx::param("w_loc", torch::zeros({3}));
    auto w_scale = pplx::param("w_scale", torch::full({3}, 0.1), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto s_loc = pplx::param("s_loc", torch::zeros({}));
    auto s_scale = pplx::param("s_scale", torch::full({}, 0.1), pplx::constraints::positive);
    pplx::sample("s", dist::LogNormal(s_loc, s_scale));
  }
};

}  // namespace

TEST_CASE("svi host reads: a step reads one number, step_async none, with validation on") {
  REQUIRE(pplx::is_validation_enabled());
  pplx::clear_param_store();
  torch::manual_seed(0);
  Regression r;
  pplx::infer::SVI svi(Regression::model, Regression::guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)));
  svi.step(r.x, r.y);  // the first step creates the params (their initial values are checked then)
  CHECK(pplx::count_host_reads([&] { svi.step(r.x, r.y); }) == 1);
  at::Tensor loss;
  CHECK(pplx::count_host_reads([&] { loss = svi.step_async(r.x, r.y); }) == 0);
  CHECK(loss.dim() == 0);
  CHECK_FALSE(loss.requires_grad());
  pplx::infer::SVI mean_field(Regression::model, Regression::guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)),
                              pplx::infer::TraceMeanFieldELBO());
  CHECK(pplx::count_host_reads([&] { mean_field.step(r.x, r.y); }) == 1);
}

TEST_CASE("svi host reads: step_async makes the same updates as step") {
  auto run = [](bool async) {
    pplx::clear_param_store();
    torch::manual_seed(1);
    Regression r;
    pplx::infer::SVI svi(Regression::model, Regression::guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)));
    std::vector<double> losses;
    for (int i = 0; i < 20; ++i) losses.push_back(async ? svi.step_async(r.x, r.y).item<double>() : svi.step(r.x, r.y));
    return std::make_pair(losses, pplx::get_param_store().get("w_loc").clone());
  };
  auto [sync_losses, sync_w] = run(false);
  auto [async_losses, async_w] = run(true);
  CHECK(sync_losses == async_losses);
  CHECK(torch::equal(sync_w, async_w));
}

TEST_CASE("svi host reads: a failed check throws from step with its own message, and is a NaN loss from step_async") {
  pplx::clear_param_store();
  // The observation scale comes from the data: a negative one violates Normal's constraint.
  auto model = [](const torch::Tensor& scale) {
    auto mu = pplx::sample("mu", dist::Normal(0.0, 1.0));
    pplx::sample("y", dist::Normal(mu, scale), torch::tensor(0.3));
  };
  auto guide = [](const torch::Tensor&) {
    pplx::sample("mu", dist::Normal(pplx::param("loc", torch::zeros({})), 1.0));
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)));
  auto bad = torch::tensor(-2.0);
  const std::string direct = fixtures::error_message([&] { dist::Normal(0.0, bad); });
  CHECK_THROWS_AS(svi.step(bad), pplx::ValueError);
  REQUIRE(direct.find("violates constraint") != std::string::npos);
  CHECK(fixtures::error_message([&] { svi.step(bad); }) == direct);
  CHECK(std::isnan(svi.step_async(bad).item<double>()));
  CHECK(std::isfinite(svi.step(torch::tensor(2.0))));
}

TEST_CASE("svi host reads: a parameter saturated at its constraint's boundary is named by the step's error") {
  // A positive parameter whose unconstrained value underflows exp() is exactly 0: outside its
  // constraint. Its check costs nothing in a step (expect_valid); the non-finite loss it causes
  // makes the step rerun the check and name the parameter.
  pplx::clear_param_store();
  auto model = [] { pplx::sample("z", dist::Normal(0.0, 1.0)); };
  auto guide = [] {
    auto scale = pplx::param("z_scale", torch::full({}, 0.5), pplx::constraints::positive);
    pplx::sample("z", dist::Normal(0.0, scale));
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)));
  svi.step();
  {
    torch::NoGradGuard g;
    pplx::get_param_store().get_unconstrained("z_scale").fill_(-1000.0);
  }
  std::string message;
  try {
    svi.step();
  } catch (const pplx::ValueError& e) {
    message = e.what();
  }
  CHECK(message.find("param 'z_scale'") != std::string::npos);
  CHECK(message.find("positive") != std::string::npos);
}
