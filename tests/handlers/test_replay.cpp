// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "replay: the model takes the guide's latent values") {
  auto guide_tr = h::trace(guide).get_trace(data);
  auto model_tr = h::trace(h::replay(model, guide_tr)).get_trace(data);
  CHECK(torch::equal(model_tr.at("latent1").value, guide_tr.at("latent1").value));
  CHECK(torch::equal(model_tr.at("latent2").value, guide_tr.at("latent2").value));
  // Observed sites keep their data.
  CHECK(item(model_tr.at("obs").value) == doctest::Approx(1.5));
  // The model's distributions are the model's, not the guide's.
  auto* n1 = dynamic_cast<const dist::Normal*>(model_tr.at("latent1").fn.get());
  CHECK(item(n1->scale()) == 1.0);
}

TEST_CASE_FIXTURE(NormalNormalNormal, "replay: values keep their autograd history from the guide") {
  auto guide_tr = h::trace(guide).get_trace(data);
  auto model_tr = h::trace(h::replay(model, guide_tr)).get_trace(data);
  auto elbo = model_tr.log_prob_sum() - guide_tr.log_prob_sum();
  elbo.backward();
  auto loc1 = pplx::get_param_store().get_unconstrained("loc1");
  REQUIRE(loc1.grad().defined());
  CHECK(std::abs(item(loc1.grad())) > 0.0);
}

TEST_CASE_FIXTURE(NormalNormalNormal, "replay: a latent model site missing from the trace is an error naming it") {
  auto partial = h::trace([] { pplx::sample("latent1", dist::Normal(0.0, 1.0)); }).get_trace();
  auto msg = error_message([&] { h::replay(model, partial)(data); });
  CHECK(msg.find("latent sample site 'latent2'") != std::string::npos);
  CHECK(msg.find("latent1") != std::string::npos);  // lists what the trace has
  CHECK(msg.find("add pplx::sample(\"latent2\"") != std::string::npos);
  // Pyro's lenient behaviour on request: the missing site is sampled afresh.
  auto tr = h::trace(h::replay(model, partial, h::ReplayOptions().strict(false))).get_trace(data);
  CHECK(torch::equal(tr.at("latent1").value, partial.at("latent1").value));
  CHECK(tr.contains("latent2"));
}

TEST_CASE("replay: an observed site in the trace cannot feed a latent site") {
  auto tr = h::trace([] { pplx::sample("z", dist::Normal(0.0, 1.0), torch::tensor(0.5)); }).get_trace();
  auto msg = error_message([&] { h::replay([] { pplx::sample("z", dist::Normal(0.0, 1.0)); }, tr)(); });
  CHECK(msg.find("'z' is latent in the model but observed") != std::string::npos);
}

TEST_CASE("replay: params and plate subsample indices are replayed") {
  pplx::clear_param_store();
  torch::manual_seed(3);
  auto fn = [] {
    auto p = pplx::param("p", torch::zeros({}));
    pplx::plate data("data", 100, pplx::PlateOptions().subsample_size(5));
    return std::make_pair(p, data.indices());
  };
  auto tr = h::trace(fn).get_trace();
  auto replayed = h::replay(
      [&] {
        auto r = fn();
        CHECK(torch::equal(r.second, tr.at("data").value));
        CHECK(r.first.is_same(tr.at("p").value));
      },
      tr);
  replayed();
  // A plate replayed with another size is an error.
  auto msg = error_message([&] { h::replay([] { pplx::plate d("data", 50, 5); }, tr)(); });
  CHECK(msg.find("plate 'data' has size 50 here but 100") != std::string::npos);
}

TEST_CASE("replay: a plate whose name is another kind of site in the trace is a SiteError") {
  auto tr = h::trace([] { pplx::sample("data", dist::Normal(0.0, 1.0)); }).get_trace();
  auto msg = error_message([&] { h::replay([] { pplx::plate d("data", 10); }, tr)(); });
  CHECK(msg.find("replay: plate 'data' is a sample site in the replayed trace") != std::string::npos);
  CHECK_THROWS_AS(h::replay([] { pplx::plate d("data", 10); }, tr)(), pplx::SiteError);
}
