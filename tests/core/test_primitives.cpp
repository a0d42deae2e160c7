// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE("sample: without handlers it draws, or returns the observed value") {
  torch::manual_seed(0);
  auto z = pplx::sample("z", dist::Normal(torch::zeros({3}), 1.0));
  CHECK(z.sizes() == c10::IntArrayRef{3});
  auto obs = torch::tensor({1.0, 2.0});
  CHECK(pplx::sample("x", dist::Normal(torch::zeros({2}), 1.0), obs).is_same(obs));
  CHECK_FALSE(pplx::am_i_wrapped());
}

TEST_CASE("sample: reparameterizable sites carry gradients to their parameters") {
  auto loc = torch::zeros({}, torch::requires_grad());
  auto tr = h::trace([&] { pplx::sample("z", dist::Normal(loc, 1.0)); }).get_trace();
  tr.at("z").value.backward();
  CHECK(item(loc.grad()) == 1.0);
}

TEST_CASE("sample: observed value that does not fit the distribution is a ShapeError naming site and shapes") {
  auto msg = error_message([] {
    auto tr = h::trace();
    pplx::plate data("data", 5);
    pplx::sample("y", dist::Normal(0.0, 1.0), torch::zeros({4}));
  });
  CHECK(msg.find("sample site 'y'") != std::string::npos);
  CHECK(msg.find("observed value of shape [4]") != std::string::npos);
  CHECK(msg.find("batch_shape [5]") != std::string::npos);
  CHECK(msg.find("data(size 5, dim -1)") != std::string::npos);
  // Event shapes must match exactly.
  auto msg2 = error_message([] {
    auto tr = h::trace();
    pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1), torch::zeros({2}));
  });
  CHECK(msg2.find("event_shape [3]") != std::string::npos);
}

TEST_CASE("param: returns the constrained value, the store keeps the unconstrained leaf") {
  pplx::clear_param_store();
  auto s = pplx::param("s", torch::tensor({0.5, 2.0}), pplx::constraints::positive);
  CHECK(torch::allclose(s, torch::tensor({0.5, 2.0})));
  auto u = pplx::get_param_store().get_unconstrained("s");
  CHECK(torch::allclose(u, torch::log(torch::tensor({0.5, 2.0}))));
  CHECK(u.is_leaf());
  CHECK(u.requires_grad());
  // Later calls read the store; the initial value is ignored.
  auto again = pplx::param("s", torch::tensor({9.0, 9.0}), pplx::constraints::positive);
  CHECK(torch::allclose(again, torch::tensor({0.5, 2.0})));
  // Interval constraint round trip.
  auto p = pplx::param("p", torch::tensor(0.25), pplx::constraints::interval(0.0, 1.0));
  CHECK(item(p) == doctest::Approx(0.25));
  CHECK(item(pplx::get_param_store().get_unconstrained("p")) == doctest::Approx(std::log(0.25 / 0.75)));
}

TEST_CASE("param: the init function runs only when the param is created") {
  pplx::clear_param_store();
  int calls = 0;
  auto init = [&] {
    ++calls;
    return torch::ones({2});
  };
  pplx::param("w", init);
  pplx::param("w", init);
  CHECK(calls == 1);
}

TEST_CASE("param: initial values violating the constraint or not finite are rejected") {
  pplx::clear_param_store();
  auto msg = error_message([] { pplx::param("scale", torch::tensor({1.0, -1.0}), pplx::constraints::positive); });
  CHECK(msg.find("param 'scale'") != std::string::npos);
  CHECK(msg.find("violates its constraint positive") != std::string::npos);
  CHECK(msg.find("1 of 2") != std::string::npos);
  auto msg2 = error_message([] { pplx::param("loc", torch::tensor({0.0, std::nan("")})); });
  CHECK(msg2.find("param 'loc'") != std::string::npos);
  CHECK(msg2.find("NaN or Inf") != std::string::npos);
  auto msg3 = error_message([] { pplx::param("never_initialised"); });
  CHECK(msg3.find("no initial value") != std::string::npos);
  CHECK_FALSE(pplx::get_param_store().contains("scale"));
}

TEST_CASE("factor: adds its log factor to the model's log density") {
  auto tr = h::trace([] {
              pplx::sample("z", dist::Normal(0.0, 1.0), torch::tensor(0.0));
              pplx::factor("penalty", torch::tensor(-2.5));
            }).get_trace();
  CHECK(tr.at("penalty").infer.is_auxiliary);
  CHECK(tr.at("penalty").is_observed);
  CHECK_FALSE(pplx::is_latent(tr.at("penalty")));
  CHECK(item(tr.log_prob_sum()) == doctest::Approx(normal_lp(0, 0, 1) - 2.5));
}

TEST_CASE("deterministic: records a value without changing the log density") {
  auto tr = h::trace([] {
              auto z = pplx::sample("z", dist::Normal(0.0, 1.0), torch::tensor(1.0));
              auto d = pplx::deterministic("twice", 2 * torch::ones({3}) * z, 1);
              CHECK(item(d[0]) == 2.0);
            }).get_trace();
  CHECK(tr.at("twice").infer.is_deterministic);
  CHECK(tr.at("twice").fn->event_shape() == c10::IntArrayRef{3});
  CHECK(item(tr.log_prob_sum()) == doctest::Approx(normal_lp(1, 0, 1)));
}
