// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

namespace {
dist::MixtureSameFamily gmm() {
  return dist::MixtureSameFamily(
      dist::Categorical(torch::tensor({0.3, 0.7}, torch::kDouble)).clone(),
      dist::Normal(torch::tensor({-1.0, 2.0}, torch::kDouble), torch::tensor({0.5, 1.0}, torch::kDouble)).clone());
}
}  // namespace

TEST_CASE("MixtureSameFamily: log_prob is the log of the weighted component densities") {
  auto d = gmm();
  CHECK(d.batch_shape().empty());
  for (double x : {-1.0, 0.5, 3.0}) {
    const double expected = std::log(0.3 * normal_pdf(x, -1, 0.5) + 0.7 * normal_pdf(x, 2, 1));
    CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("MixtureSameFamily: moments by the law of total variance, and of samples") {
  torch::manual_seed(1);
  auto d = gmm();
  const double mean = 0.3 * -1 + 0.7 * 2;
  const double var = 0.3 * 0.25 + 0.7 * 1 + 0.3 * std::pow(-1 - mean, 2) + 0.7 * std::pow(2 - mean, 2);
  CHECK(d.mean().item<double>() == doctest::Approx(mean));
  CHECK(d.variance().item<double>() == doctest::Approx(var));
  check_moments(d, torch::tensor(mean, torch::kDouble), torch::tensor(var, torch::kDouble));
}

TEST_CASE("MixtureSameFamily: multivariate components and batch shapes") {
  torch::manual_seed(2);
  // batch [2], K = 3 components, each a 2-d MultivariateNormal.
  dist::MixtureSameFamily d(dist::Categorical(torch::ones({2, 3})).clone(),
                            dist::MultivariateNormal(torch::randn({2, 3, 2}), torch::eye(2)).clone());
  CHECK(d.batch_shape().vec() == std::vector<int64_t>{2});
  CHECK(d.event_shape().vec() == std::vector<int64_t>{2});
  auto x = d.sample({4});
  CHECK(x.sizes().vec() == std::vector<int64_t>{4, 2, 2});
  CHECK(d.log_prob(x).sizes().vec() == std::vector<int64_t>{4, 2});
  check_shape_semantics(d);
}

TEST_CASE("MixtureSameFamily: mismatched components are rejected") {
  check_throws_with<pplx::ShapeError>(
      [] {
        dist::MixtureSameFamily(dist::Categorical(torch::ones({3})).clone(),
                                dist::Normal(torch::zeros({2}), 1.0).clone());
      },
      {"MixtureSameFamily", "3 categories", "batch_shape [2]"});
  check_throws_with<pplx::ValueError>(
      [] { dist::MixtureSameFamily(dist::Normal(0.0, 1.0).clone(), dist::Normal(torch::zeros({2}), 1.0).clone()); },
      {"MixtureSameFamily", "must be a Categorical", "Normal"});
}
