// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE("mask: zeroes masked-out log densities, nested masks combine with and") {
  auto x = torch::tensor({0.1, 0.2, 0.3, 0.4});
  auto tr = h::trace([&] {
              auto m1 = h::mask(torch::tensor({true, true, false, true}));
              auto m2 = h::mask(torch::tensor({true, false, true, true}));
              pplx::sample("x", dist::Normal(torch::zeros({4}), 1.0), x);
            }).get_trace();
  tr.compute_log_prob();
  auto lp = tr.at("x").log_prob;
  CHECK(item(lp[0]) == doctest::Approx(normal_lp(0.1, 0, 1)));
  CHECK(item(lp[1]) == 0.0);
  CHECK(item(lp[2]) == 0.0);
  CHECK(item(lp[3]) == doctest::Approx(normal_lp(0.4, 0, 1)));
}

TEST_CASE("mask: a scalar false mask removes the site from the log density, values still drawn") {
  auto tr =
      h::trace(h::mask([] { return pplx::sample("z", dist::Normal(0.0, 1.0)); }, torch::tensor(false))).get_trace();
  CHECK(item(tr.log_prob_sum()) == 0.0);
  CHECK(tr.at("z").value.defined());
}

TEST_CASE("mask: the mask must be a bool tensor") {
  auto msg = error_message([] { h::MaskMessenger m(torch::ones({3})); });
  CHECK(msg.find("mask must be a bool tensor") != std::string::npos);
}
