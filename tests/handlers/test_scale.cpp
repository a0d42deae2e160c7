// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE_FIXTURE(NormalNormalNormal, "scale: multiplies every site's log density; nested scales multiply") {
  auto plain = h::trace(model).get_trace(data);
  auto scaled = h::trace(h::scale(h::scale(model, 2.0), 0.25)).get_trace(data);
  // Same values under replay so the log-densities are comparable.
  auto rescaled = h::trace(h::replay(h::scale(h::scale(model, 2.0), 0.25), plain)).get_trace(data);
  CHECK(rescaled.at("latent1").scale == doctest::Approx(0.5));
  CHECK(item(rescaled.log_prob_sum()) == doctest::Approx(0.5 * item(plain.log_prob_sum())));
  CHECK(scaled.at("obs").scale == doctest::Approx(0.5));
}

TEST_CASE("scale: composes with plate subsampling") {
  auto tr = h::trace([] {
              auto s = h::scale(0.1);
              pplx::plate p("p", 100, 10);
              pplx::sample("x", dist::Normal(0.0, 1.0));
            }).get_trace();
  CHECK(tr.at("x").scale == doctest::Approx(0.1 * 100 / 10));
}

TEST_CASE("scale: non-positive or non-finite scales are rejected") {
  CHECK_THROWS_AS(h::ScaleMessenger(0.0), pplx::ValueError);
  CHECK_THROWS_AS(h::ScaleMessenger(-1.0), pplx::ValueError);
  CHECK_THROWS_AS(h::ScaleMessenger(std::nan("")), pplx::ValueError);
}
