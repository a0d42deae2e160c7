// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "substitute: replaces param values without touching the store") {
  auto tr = h::trace(h::substitute(guide, {{"loc1", torch::tensor(4.0)}})).get_trace(data);
  CHECK(item(tr.at("loc1").value) == 4.0);
  auto* n = dynamic_cast<const dist::Normal*>(tr.at("latent1").fn.get());
  CHECK(item(n->loc()) == 4.0);
  CHECK_FALSE(pplx::get_param_store().contains("loc1"));  // substituted: never created
  CHECK(pplx::get_param_store().contains("loc2"));        // not substituted: created as usual
}

TEST_CASE("substitute: leaves sample sites alone (params only, as Pyro 1.8)") {
  torch::manual_seed(2);
  auto tr = h::trace(h::substitute([] { pplx::sample("z", dist::Normal(100.0, 0.001)); }, {{"z", torch::tensor(0.0)}}))
                .get_trace();
  CHECK(item(tr.at("z").value) == doctest::Approx(100.0).epsilon(1e-3));
  CHECK_FALSE(tr.at("z").is_observed);
}
