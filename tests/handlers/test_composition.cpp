// SPDX-License-Identifier: Apache-2.0
// Handlers compose; order matters exactly as in Pyro.
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "composition: block outside scale hides, scale outside block never sees") {
  // scale(block(model)): hidden sites never reach scale; trace outside sees nothing.
  auto tr1 = h::trace(h::scale(h::block(model, h::BlockOptions().hide({"latent1"})), 2.0)).get_trace(data);
  CHECK_FALSE(tr1.contains("latent1"));
  CHECK(tr1.at("latent2").scale == 2.0);
  // block(scale(model)): scale is inside and applies, then the block hides latent1 from the trace.
  auto tr2 = h::trace(h::block(h::scale(model, 2.0), h::BlockOptions().hide({"latent1"}))).get_trace(data);
  CHECK_FALSE(tr2.contains("latent1"));
  CHECK(tr2.at("obs").scale == 2.0);
}

TEST_CASE_FIXTURE(NormalNormalNormal, "composition: trace inside condition sees observed, trace outside too") {
  auto tr = h::trace(h::condition(model, {{"latent2", torch::tensor(0.0)}})).get_trace(data);
  CHECK(tr.at("latent2").is_observed);
  // condition inside replay: replay does not touch observed sites.
  auto guide_tr = h::trace(guide).get_trace(data);
  auto tr2 = h::trace(h::replay(h::condition(model, {{"latent2", torch::tensor(0.0)}}), guide_tr)).get_trace(data);
  CHECK(item(tr2.at("latent2").value) == 0.0);
  CHECK(torch::equal(tr2.at("latent1").value, guide_tr.at("latent1").value));
}

TEST_CASE_FIXTURE(NormalNormalNormal, "composition: seeded trace+replay is reproducible end to end") {
  auto run = [&] {
    pplx::clear_param_store();
    auto guide_tr = h::trace(h::seed(guide, 11)).get_trace(data);
    auto model_tr = h::trace(h::replay(model, guide_tr)).get_trace(data);
    return (model_tr.log_prob_sum() - guide_tr.log_prob_sum()).item<double>();
  };
  CHECK(run() == run());
}

TEST_CASE_FIXTURE(NormalNormalNormal, "composition: the ELBO of the fixture equals the written-out formula") {
  auto guide_tr = h::trace(guide).get_trace(data);
  auto model_tr = h::trace(h::replay(model, guide_tr)).get_trace(data);
  double l1 = item(guide_tr.at("latent1").value), l2 = item(guide_tr.at("latent2").value);
  double model_lp = normal_lp(l1, 0, 1) + normal_lp(l2, l1, 1) + normal_lp(1.5, l2, 1);
  double guide_lp = normal_lp(l1, 0.3, 0.7) + normal_lp(l2, -0.2, 1.3);
  CHECK(item(model_tr.log_prob_sum() - guide_tr.log_prob_sum()) == doctest::Approx(model_lp - guide_lp).epsilon(1e-5));
}
