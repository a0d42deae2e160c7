// SPDX-License-Identifier: Apache-2.0
#include <limits>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Delta: log_prob is log_density at v and -inf elsewhere, samples are v") {
  auto v = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
  dist::Delta d(v, 0.5, 1);
  CHECK(d.batch_shape().empty());
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  CHECK(d.log_prob(v).item<double>() == 0.5);
  CHECK(d.log_prob(v + 1).item<double>() == -std::numeric_limits<double>::infinity());
  CHECK(torch::equal(d.sample({2}), v.expand({2, 3})));
  CHECK(d.support()->name() == "independent");
  CHECK(d.support()->reinterpreted_batch_ndims() == 1);
  check_throws_with<pplx::NotImplementedError>([&] { d.entropy(); }, {"Delta", "entropy"});
}

TEST_CASE("Delta: rsample passes gradients to v") {
  auto v = torch::tensor({1.0, 2.0}, torch::kDouble).requires_grad_();
  dist::Delta(v).rsample({3}).sum().backward();
  CHECK(torch::allclose(v.grad(), torch::full({2}, 3.0, torch::kDouble)));
}

TEST_CASE("Delta: a NaN log_density is rejected") {
  check_throws_with<pplx::ValueError>([] { dist::Delta(torch::zeros({2}), std::nan("")); },
                                      {"Delta", "parameter 'log_density'", "real"});
}

TEST_CASE("Delta: expand, to_event and mask shapes") { check_shape_semantics(dist::Delta(torch::randn({2, 3}))); }
