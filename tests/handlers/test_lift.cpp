// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "lift: params become sample sites drawn from the prior") {
  auto prior = dist::Normal(10.0, 0.001);
  auto tr = h::trace(h::lift(guide, pplx::Priors(prior))).get_trace(data);
  const auto& loc1 = tr.at("loc1");
  CHECK(loc1.type == pplx::SiteType::sample);
  CHECK_FALSE(loc1.is_observed);
  CHECK(item(loc1.value) == doctest::Approx(10.0).epsilon(1e-3));
  CHECK(pplx::get_param_store().size() == 0);  // nothing went to the store
}

TEST_CASE_FIXTURE(NormalNormalNormal, "lift: a map lifts only the named params") {
  std::map<std::string, dist::DistPtr> priors{{"loc2", dist::Normal(-3.0, 0.001).clone()}};
  auto tr = h::trace(h::lift(guide, priors)).get_trace(data);
  CHECK(tr.at("loc1").type == pplx::SiteType::param);
  CHECK(tr.at("loc2").type == pplx::SiteType::sample);
  CHECK(item(tr.at("loc2").value) == doctest::Approx(-3.0).epsilon(1e-3));
}

TEST_CASE("lift: a shapeless prior is broadcast to the param's shape as one event") {
  pplx::clear_param_store();
  auto tr = h::trace(h::lift([] { pplx::param("w", torch::zeros({2, 3})); }, pplx::Priors(dist::Normal(0.0, 1.0))))
                .get_trace();
  const auto& w = tr.at("w");
  CHECK(w.value.sizes() == c10::IntArrayRef{2, 3});
  CHECK(w.fn->batch_shape().empty());
  CHECK(w.fn->event_shape() == c10::IntArrayRef{2, 3});
  // A function prior sees the name and current value.
  std::string seen;
  auto fn_prior = pplx::Priors([&](const std::string& name, const torch::Tensor& v) -> dist::DistPtr {
    seen = name;
    return dist::Normal(torch::zeros_like(v), 1.0).to_event(v.dim());
  });
  h::lift([] { pplx::param("net$$$0.weight", torch::zeros({4})); }, fn_prior)();
  CHECK(seen == "0.weight");  // the module prefix is stripped, as in Pyro
}
