// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "lift: params become sample sites drawn from the prior") {
  auto prior = dist::Normal(10.0, 0.001);
  auto tr = h::trace(h::lift(guide, pplx::Prior(prior))).get_trace(data);
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
  auto tr = h::trace(h::lift(
                         [] {
                           pplx::param("w", torch::zeros({2, 3}));
                         },
                         pplx::Prior(dist::Normal(0.0, 1.0))))
                .get_trace();
  const auto& w = tr.at("w");
  CHECK(w.value.sizes() == c10::IntArrayRef{2, 3});
  CHECK(w.fn->batch_shape().empty());
  CHECK(w.fn->event_shape() == c10::IntArrayRef{2, 3});
  // A function prior sees the name and current value.
  std::string seen;
  auto fn_prior = pplx::Prior([&](const std::string& name, const torch::Tensor& v) -> dist::DistPtr {
    seen = name;
    return dist::Normal(torch::zeros_like(v), 1.0).to_event(v.dim());
  });
  h::lift([] { pplx::param("net$$$0.weight", torch::zeros({4})); }, fn_prior)();
  CHECK(seen == "0.weight");  // the module prefix is stripped, as in Pyro
}

namespace {
// Reads the same parameter twice, as a model that uses a weight in two places does.
std::pair<torch::Tensor, torch::Tensor> read_w_twice() {
  auto first = pplx::param("w", torch::zeros({3}));
  auto second = pplx::param("w", torch::zeros({3}));
  pplx::param("b", torch::zeros({}));
  return {first, second};
}
}  // namespace

TEST_CASE("lift: a parameter read twice in one run is one draw (Pyro's lift memoizes by name)") {
  pplx::clear_param_store();
  torch::manual_seed(7);
  auto lifted = h::lift(read_w_twice, pplx::Prior(dist::Normal(0.0, 1.0)));
  auto [first, second] = lifted();
  CHECK(torch::equal(first, second));
  CHECK(first.abs().sum().item<double>() > 0);  // a draw from N(0, 1), not the zero initial value
  // Each call of the wrapper is a new run: a new draw.
  auto [again, unused] = lifted();
  CHECK_FALSE(torch::equal(first, again));
  // The scope form: one run while the scope lasts.
  {
    auto scope = h::lift(pplx::Prior(dist::Normal(0.0, 1.0)));
    auto w1 = read_w_twice().first;
    auto w2 = read_w_twice().first;
    CHECK(torch::equal(w1, w2));
  }
  CHECK(pplx::get_param_store().size() == 0);
}

TEST_CASE("lift: under a trace, a parameter read twice is one latent site, not a duplicate") {
  pplx::clear_param_store();
  torch::manual_seed(8);
  torch::Tensor first, second;
  auto model = [&] { std::tie(first, second) = read_w_twice(); };
  pplx::Trace tr;
  REQUIRE_NOTHROW(tr = h::trace(h::lift(model, pplx::Prior(dist::Normal(0.0, 1.0)))).get_trace());
  int w_sites = 0;
  for (const auto& s : tr) w_sites += s.name == "w";
  CHECK(w_sites == 1);
  const auto& w = tr.at("w");
  CHECK(w.type == pplx::SiteType::sample);
  CHECK_FALSE(w.is_observed);
  CHECK(torch::equal(w.value, first));
  CHECK(torch::equal(second, first));
  CHECK(tr.at("b").type == pplx::SiteType::sample);
  // An outer replay fixes the first read; the second read returns the replayed value too.
  auto replayed_tr = h::trace(h::replay(h::lift(model, pplx::Prior(dist::Normal(0.0, 1.0))), tr)).get_trace();
  CHECK(torch::equal(first, tr.at("w").value));
  CHECK(torch::equal(second, tr.at("w").value));
  CHECK(torch::equal(replayed_tr.at("w").value, tr.at("w").value));
}

TEST_CASE("lift: a prior with the param's shape as batch shape is one event, another shape names the site") {
  pplx::clear_param_store();
  auto read_w = [] { pplx::param("w", torch::zeros({3})); };
  auto tr = h::trace(h::lift(read_w, pplx::Prior(dist::Normal(torch::zeros({3}), 1.0).clone()))).get_trace();
  CHECK(tr.at("w").fn->batch_shape().empty());
  CHECK(tr.at("w").fn->event_shape() == c10::IntArrayRef{3});
  auto wrong = h::lift(read_w, pplx::Prior(dist::Normal(torch::zeros({2}), 1.0).clone()));
  auto msg = error_message([&] { wrong(); });
  CHECK(msg.find("lift, param site 'w'") != std::string::npos);
  CHECK(msg.find("[2]") != std::string::npos);
  CHECK(msg.find("[3]") != std::string::npos);
  CHECK_THROWS_AS(wrong(), pplx::ShapeError);
}
