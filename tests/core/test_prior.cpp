// SPDX-License-Identifier: Apache-2.0
// pplx/prior.h: the one prior type of lift, random_module and the Bayesian layers, its forms and
// its one shape rule.
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;

TEST_CASE("Prior: one distribution, a map by name and a function give the same one-event prior") {
  const auto like = torch::zeros({2, 3});
  std::map<std::string, dist::DistPtr> by_name{{"weight", dist::Normal(0.0, 1.0).clone()}};
  const std::vector<pplx::Prior> forms = {
      pplx::Prior(dist::Normal(0.0, 1.0)), pplx::Prior(by_name),
      pplx::Prior([](const std::string&, const torch::Tensor&) { return dist::Normal(0.0, 1.0).clone(); })};
  for (const auto& prior : forms) {
    INFO(prior.description());
    auto d = prior.for_param("weight", like);
    REQUIRE(d != nullptr);
    CHECK(d->batch_shape().empty());
    CHECK(d->event_shape() == c10::IntArrayRef{2, 3});
    CHECK(prior.num_mc_samples() == 1);
  }
  CHECK(forms[0].description() == "Normal");
  CHECK_FALSE(forms[0].is_map());
  CHECK(forms[1].is_map());
  CHECK(forms[1].keys() == std::vector<std::string>{"weight"});
  CHECK(forms[1].for_param("bias", torch::zeros({3})) == nullptr);  // not in the map: no prior
  CHECK(forms[2].keys().empty());
}

TEST_CASE("Prior: a batch shape equal to the parameter's is made one event, another shape is a ShapeError") {
  pplx::Prior batched(dist::Normal(torch::zeros({2, 3}), 1.0).clone());
  auto d = batched.for_param("w", torch::zeros({2, 3}));
  CHECK(d->batch_shape().empty());
  CHECK(d->event_shape() == c10::IntArrayRef{2, 3});
  pplx::Prior split(dist::Normal(torch::zeros({2, 3}), 1.0).to_event(1));  // batch [2], event [3]
  CHECK(split.for_param("w", torch::zeros({2, 3}))->event_shape() == c10::IntArrayRef{2, 3});
  CHECK(pplx::Prior(dist::Normal(0.0, 1.0)).for_param("s", torch::zeros({}))->event_shape().empty());
  auto msg = error_message([&] { batched.for_param("w", torch::zeros({3, 2})); });
  CHECK(msg.find("'w'") != std::string::npos);
  CHECK(msg.find("[2, 3]") != std::string::npos);
  CHECK(msg.find("[3, 2]") != std::string::npos);
  CHECK_THROWS_AS(batched.for_param("w", torch::zeros({3, 2})), pplx::ShapeError);
  // Without a value (a param read from the store with no init) the distribution is used as given.
  CHECK(batched.for_param("w", torch::Tensor())->batch_shape() == c10::IntArrayRef{2, 3});
}

TEST_CASE("Prior: null distributions and functions, and num_mc_samples < 1, are ValueErrors") {
  CHECK_THROWS_AS(pplx::Prior(dist::DistPtr()), pplx::ValueError);
  CHECK_THROWS_AS(pplx::Prior(std::map<std::string, dist::DistPtr>{{"w", nullptr}}), pplx::ValueError);
  CHECK_THROWS_AS(pplx::Prior(pplx::Prior::Fn()), pplx::ValueError);
  auto fn = [](const std::string&, const torch::Tensor&) { return dist::Normal(0.0, 1.0).clone(); };
  CHECK_THROWS_AS(pplx::Prior(fn, "mine", 0), pplx::ValueError);
  CHECK(pplx::Prior(fn, "mine", 3).num_mc_samples() == 3);
}

TEST_CASE("user_param_name strips the module prefix of a site name") {
  CHECK(pplx::user_param_name(std::string("net") + pplx::kModuleSeparator + "0.weight") == "0.weight");
  CHECK(pplx::user_param_name("loc") == "loc");
}
