// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "condition: named sites become observed at the given values") {
  auto tr = h::trace(h::condition(model, {{"latent1", torch::tensor(0.25)}})).get_trace(data);
  const auto& l1 = tr.at("latent1");
  CHECK(l1.is_observed);
  CHECK(item(l1.value) == 0.25);
  auto* n2 = dynamic_cast<const dist::Normal*>(tr.at("latent2").fn.get());
  CHECK(item(n2->loc()) == 0.25);  // downstream sites see the conditioned value
  CHECK_FALSE(tr.at("latent2").is_observed);
}

TEST_CASE("condition: can condition on a trace's sample values") {
  torch::manual_seed(1);
  auto source = h::trace([] { pplx::sample("a", dist::Normal(0.0, 1.0)); }).get_trace();
  {
    auto c = h::ConditionMessenger(source);
    auto tr = h::trace();
    auto a = pplx::sample("a", dist::Normal(5.0, 1.0));
    CHECK(torch::equal(a, source.at("a").value));
    CHECK(tr.get_trace().at("a").is_observed);
  }
}

TEST_CASE("condition: nested conditions run innermost first, so the outer value is applied last (Pyro order)") {
  auto tr = h::trace([] {
              auto outer = h::condition({{"z", torch::tensor(1.0)}});
              auto inner = h::condition({{"z", torch::tensor(2.0)}});
              pplx::sample("z", dist::Normal(0.0, 1.0));
            }).get_trace();
  // Process order is innermost first, so the outer handler overwrites: Pyro gives the outer value.
  CHECK(item(tr.at("z").value) == 1.0);
}
