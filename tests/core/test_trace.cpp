// SPDX-License-Identifier: Apache-2.0
// pplx/trace.h: the Trace record (sites, log-densities, the parameters to optimize).
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "trace: log_prob_sum is the sum of the written-out log densities") {
  auto tr = h::trace(model).get_trace(data);
  double l1 = item(tr.at("latent1").value), l2 = item(tr.at("latent2").value);
  double expected = normal_lp(l1, 0, 1) + normal_lp(l2, l1, 1) + normal_lp(1.5, l2, 1);
  CHECK(item(tr.log_prob_sum()) == doctest::Approx(expected).epsilon(1e-6));
  // A filter selects sites.
  double obs_only = item(tr.log_prob_sum([](const pplx::Site& s) { return s.is_observed; }));
  CHECK(obs_only == doctest::Approx(normal_lp(1.5, l2, 1)).epsilon(1e-6));
}

TEST_CASE("trace: per-site log_prob has scale and mask applied") {
  pplx::clear_param_store();
  auto m = torch::tensor({true, false, true});
  auto x = torch::tensor({0.5, 1.0, -1.0});
  auto tr = h::trace([&] {
              auto s = h::scale(3.0);
              auto mk = h::mask(m);
              pplx::sample("x", dist::Normal(torch::zeros({3}), 1.0), x);
            }).get_trace();
  const auto& site = tr.at("x");
  tr.compute_log_prob();
  const auto& s = tr.at("x");
  REQUIRE(s.log_prob.defined());
  CHECK(item(s.unscaled_log_prob[1]) == doctest::Approx(normal_lp(1.0, 0, 1)));
  CHECK(item(s.log_prob[0]) == doctest::Approx(3.0 * normal_lp(0.5, 0, 1)));
  CHECK(item(s.log_prob[1]) == 0.0);
  CHECK(item(s.log_prob[2]) == doctest::Approx(3.0 * normal_lp(-1.0, 0, 1)));
  CHECK(item(s.log_prob_sum) == doctest::Approx(3.0 * (normal_lp(0.5, 0, 1) + normal_lp(-1.0, 0, 1))));
  CHECK(site.scale == 3.0);
}

TEST_CASE("trace: duplicate sample names are an error naming the site") {
  auto msg = error_message([] {
    auto tr = h::trace();
    pplx::sample("z", dist::Normal(0.0, 1.0));
    pplx::sample("z", dist::Normal(0.0, 1.0));
  });
  CHECK(msg.find("multiple sample sites named 'z'") != std::string::npos);
  CHECK(msg.find("unique name") != std::string::npos);
}

TEST_CASE("trace: the same param read twice is one site, a name used as param and sample is an error") {
  pplx::clear_param_store();
  auto tr = h::trace([] {
              pplx::param("p", torch::zeros({2}));
              pplx::param("p", torch::zeros({2}));
            }).get_trace();
  CHECK(tr.size() == 1);
  auto msg = error_message([] {
    auto t = h::trace();
    pplx::param("q", torch::zeros({}));
    pplx::sample("q", dist::Normal(0.0, 1.0));
  });
  CHECK(msg.find("'q' is used both as a param site and as a sample site") != std::string::npos);
}

TEST_CASE("trace: log_prob errors are rethrown naming the site and shapes") {
  auto tr = h::trace([] {
              pplx::sample("y", dist::Normal(torch::zeros({3}), 1.0), torch::tensor({1.0, 2.0, 3.0}));
            }).get_trace();
  // Corrupt the recorded value so that log_prob fails (value outside support: NaN).
  tr.at("y").value = torch::full({3}, std::nan(""));
  auto msg = error_message([&] { tr.log_prob_sum(); });
  CHECK(msg.find("sample site 'y'") != std::string::npos);
  CHECK(msg.find("batch_shape [3]") != std::string::npos);
  CHECK(msg.find("value shape [3]") != std::string::npos);
}

TEST_CASE("trace: log_prob_sum skips deterministic sites by default (their density is 0)") {
  pplx::clear_param_store();
  auto tr = h::trace([] {
              auto z = pplx::sample("z", dist::Normal(0.0, 1.0), torch::tensor(0.5));
              pplx::deterministic("twice", z * 2);
            }).get_trace();
  CHECK(pplx::adds_to_log_density(tr.at("z")));
  CHECK_FALSE(pplx::adds_to_log_density(tr.at("twice")));
  CHECK(item(tr.log_prob_sum()) == doctest::Approx(normal_lp(0.5, 0, 1)));
  CHECK_FALSE(tr.at("twice").log_prob_sum.defined());
}

TEST_CASE("trace: named_params lists the param sites with an unconstrained tensor, in order") {
  pplx::clear_param_store();
  auto tr = h::trace([] {
              pplx::param("b", torch::zeros({2}));
              pplx::sample("z", dist::Normal(0.0, 1.0));
              pplx::param("a", torch::ones({}), pplx::constraints::positive);
            }).get_trace();
  const pplx::NamedTensors params = pplx::named_params(tr);
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "b");
  CHECK(params[1].first == "a");
  CHECK(params[1].second.is_same(pplx::get_param_store().get_unconstrained("a")));
  // A substituted param has no unconstrained tensor: nothing to optimize.
  auto sub = h::trace(h::substitute([] { pplx::param("c", torch::zeros({})); }, {{"c", torch::ones({})}})).get_trace();
  CHECK(pplx::named_params(sub).empty());
}
