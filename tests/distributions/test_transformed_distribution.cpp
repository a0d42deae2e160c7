// SPDX-License-Identifier: Apache-2.0
#include "helpers.h"

using namespace pplx_test;
namespace transforms = pplx::transforms;

TEST_CASE("TransformedDistribution: Normal pushed through exp is LogNormal") {
  torch::manual_seed(1);
  auto base = dist::Normal(torch::full({2}, 0.2, torch::kDouble), 0.4).clone();
  dist::TransformedDistribution d(base, {transforms::exp()});
  dist::LogNormal ref(torch::full({2}, 0.2, torch::kDouble), 0.4);
  auto x = torch::tensor({0.5, 2.0}, torch::kDouble);
  CHECK(torch::allclose(d.log_prob(x), ref.log_prob(x)));
  CHECK(d.support()->name() == "positive");
  CHECK(d.has_rsample());
  check_moments(d, ref.mean(), ref.variance());
  check_throws_with<pplx::NotImplementedError>([&] { d.mean(); }, {"TransformedDistribution", "mean"});
}

TEST_CASE("TransformedDistribution: an affine map with batched loc widens the batch") {
  auto loc = torch::tensor({-1.0, 0.0, 4.0}, torch::kDouble);
  dist::TransformedDistribution d(dist::Normal(torch::tensor(0.0, torch::kDouble), 1.0).clone(),
                                  {transforms::affine(loc, torch::tensor(2.0, torch::kDouble))});
  CHECK(d.batch_shape().vec() == std::vector<int64_t>{3});
  auto x = torch::tensor({0.5, 0.5, 0.5}, torch::kDouble);
  CHECK(torch::allclose(d.log_prob(x), dist::Normal(loc, 2.0).log_prob(x)));
}

TEST_CASE("TransformedDistribution: stick-breaking maps R^2 onto the 3-simplex") {
  torch::manual_seed(2);
  dist::TransformedDistribution d(dist::Normal(torch::zeros({2}, torch::kDouble), 1.0).clone(),
                                  {transforms::stick_breaking()});
  CHECK(d.batch_shape().empty());
  CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
  auto y = d.sample({10});
  CHECK(y.sizes().vec() == std::vector<int64_t>{10, 3});
  CHECK(torch::allclose(y.sum(-1), torch::ones({10}, torch::kDouble)));
  // log p(y) = log N(x) - log|det J(x)| with x = inverse(y).
  auto t = transforms::stick_breaking();
  auto x = t->inverse(y);
  auto expected =
      dist::Normal(torch::zeros({2}, torch::kDouble), 1.0).log_prob(x).sum(-1) - t->log_abs_det_jacobian(x, y);
  CHECK(torch::allclose(d.log_prob(y), expected));
  check_shape_semantics(*d.expand({4}));
}

TEST_CASE("TransformedDistribution: an affine map over a whole event counts log|scale| per element") {
  // y = 2 x with x ~ N(0, I_3) is N(0, 4 I_3): the log-determinant is 3 log 2, with a scalar scale too.
  auto y = torch::tensor({{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}, torch::kDouble);
  auto base = dist::Normal(torch::zeros({3}, torch::kDouble), 1.0).to_event(1);
  auto expected = dist::Normal(torch::zeros({3}, torch::kDouble), 2.0).log_prob(y).sum(-1);
  auto two = torch::full({3}, 2.0, torch::kDouble);
  auto zero = torch::zeros({}, torch::kDouble);
  for (const auto& t : {transforms::affine(0.0, 2.0, 1), transforms::affine(zero, two, 1)}) {
    dist::TransformedDistribution d(base, {t});
    CHECK(d.event_shape().vec() == std::vector<int64_t>{3});
    CHECK(torch::allclose(d.log_prob(y), expected, 1e-12, 1e-12));
  }
  // A base with no event dims is reinterpreted: the same density.
  dist::TransformedDistribution d0(dist::Normal(torch::zeros({3}, torch::kDouble), 1.0).clone(),
                                   {transforms::affine(0.0, 2.0, 1)});
  CHECK(torch::allclose(d0.log_prob(y), expected, 1e-12, 1e-12));
  // A [2, 3] scale widens the batch: each row's event is N(0, diag(scale^2)).
  auto s = torch::tensor({{2.0, 0.5, 3.0}, {0.25, 1.5, 4.0}}, torch::kDouble);
  dist::TransformedDistribution wide(base, {transforms::affine(torch::zeros({}, torch::kDouble), s, 1)});
  CHECK(wide.batch_shape().vec() == std::vector<int64_t>{2});
  CHECK(torch::allclose(wide.log_prob(y), dist::Normal(torch::zeros({3}, torch::kDouble), s).log_prob(y).sum(-1), 1e-12,
                        1e-12));
}
