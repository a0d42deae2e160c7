// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("OneHotCategorical: sample moments match probs and probs (1 - probs)") {
  torch::manual_seed(1);
  auto p = torch::tensor({0.1, 0.3, 0.6}, torch::kDouble);
  dist::OneHotCategorical d(p);
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  check_moments(d, p, p * (1 - p));
}

TEST_CASE("OneHotCategorical: log_prob of a one-hot vector is log p_k") {
  dist::OneHotCategorical d(torch::tensor({{0.1, 0.9}, {0.6, 0.4}}, torch::kDouble));
  auto x = torch::tensor({{0.0, 1.0}, {0.0, 1.0}}, torch::kDouble);
  CHECK(torch::allclose(d.log_prob(x), torch::tensor({std::log(0.9), std::log(0.4)}, torch::kDouble)));
  check_throws_with<pplx::ValueError>(
      [&] {
        d.log_prob(torch::tensor({1.0, 1.0}, torch::kDouble));
      },
      {"OneHotCategorical", "one_hot"});
}

TEST_CASE("OneHotCategorical: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::OneHotCategorical::with_logits(torch::zeros({2, 3})));
}
