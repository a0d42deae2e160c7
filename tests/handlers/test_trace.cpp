// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "trace: records sites in execution order with their values") {
  auto tr = h::trace(model).get_trace(data);
  REQUIRE(tr.size() == 3);
  std::vector<std::string> names;
  for (const auto& s : tr) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"latent1", "latent2", "obs"});
  CHECK(tr.at("obs").is_observed);
  CHECK_FALSE(tr.at("latent1").is_observed);
  CHECK(item(tr.at("obs").value) == doctest::Approx(1.5));
  // latent2's distribution was built from latent1's value.
  auto* n = dynamic_cast<const dist::Normal*>(tr.at("latent2").fn.get());
  REQUIRE(n != nullptr);
  CHECK(torch::equal(n->loc(), tr.at("latent1").value));
}

TEST_CASE_FIXTURE(NormalNormalNormal, "trace: param_only records only param sites") {
  auto tr = h::trace(guide, h::TraceOptions().param_only(true)).get_trace(data);
  std::vector<std::string> names;
  for (const auto& s : tr) {
    CHECK(s.type == pplx::SiteType::param);
    names.push_back(s.name);
  }
  CHECK(names == std::vector<std::string>{"loc1", "scale1", "loc2", "scale2"});
  // A param site carries the constrained value and the store's unconstrained leaf.
  const auto& s1 = tr.at("scale1");
  CHECK(item(s1.value) == doctest::Approx(0.7));
  CHECK(item(s1.unconstrained) == doctest::Approx(std::log(0.7)));
  CHECK(s1.unconstrained.is_leaf());
  CHECK(s1.unconstrained.requires_grad());
}

TEST_CASE("trace: plate frames are recorded outermost first") {
  auto tr = h::trace([] {
              pplx::plate outer("outer", 4);
              pplx::plate inner("inner", 3);
              pplx::sample("z", dist::Normal(0.0, 1.0));
            }).get_trace();
  const auto& z = tr.at("z");
  REQUIRE(z.plates.size() == 2);
  CHECK(z.plates[0].name == "outer");
  CHECK(z.plates[0].dim == -1);
  CHECK(z.plates[1].name == "inner");
  CHECK(z.plates[1].dim == -2);
  CHECK(z.fn->batch_shape() == c10::IntArrayRef{3, 4});
  CHECK(tr.at("outer").type == pplx::SiteType::plate);
}
TEST_CASE("trace: given a Trace, the messenger records into it, cleared first, and keeps its storage") {
  pplx::clear_param_store();
  pplx::Trace kept;
  {
    h::TraceMessenger tm(kept);
    pplx::sample("a", dist::Normal(0.0, 1.0));
  }
  REQUIRE(kept.size() == 1);
  {
    h::TraceMessenger tm(kept, h::TraceOptions().param_only(true));
    CHECK(kept.empty());  // cleared when the messenger starts
    pplx::param("p", torch::zeros({2}));
    pplx::sample("b", dist::Normal(0.0, 1.0));
    CHECK(&tm.get_trace() == &kept);
  }
  REQUIRE(kept.size() == 1);
  CHECK(kept.at("p").type == pplx::SiteType::param);
}
