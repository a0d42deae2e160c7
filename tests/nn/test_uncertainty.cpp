// SPDX-License-Identifier: Apache-2.0
// pplx/nn/uncertainty.h against small examples computed by hand.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/error.h>
#include <pplx/nn/uncertainty.h>

namespace nn = pplx::nn;

TEST_CASE("predictive_moments: mean and sample std over the sampled networks") {
  auto s = torch::tensor({{1.0, 2.0}, {3.0, 6.0}}, torch::kDouble);  // 2 networks, 2 outputs
  auto m = nn::predictive_moments(s);
  CHECK(m.mean[0].item<double>() == doctest::Approx(2.0));
  CHECK(m.mean[1].item<double>() == doctest::Approx(4.0));
  CHECK(m.std[0].item<double>() == doctest::Approx(std::sqrt(2.0)));  // ((1-2)^2 + (3-2)^2) / (2-1)
  CHECK(m.std[1].item<double>() == doctest::Approx(std::sqrt(8.0)));
  auto iv = nn::mean_std_interval(m, 2.0);
  CHECK(iv.lower[0].item<double>() == doctest::Approx(2.0 - 2 * std::sqrt(2.0)));
  CHECK(iv.width()[1].item<double>() == doctest::Approx(4 * std::sqrt(8.0)));
  CHECK_THROWS_AS(nn::predictive_moments(torch::ones({1, 3})), pplx::ShapeError);
}

TEST_CASE("credible_interval: central quantiles, coverage counts targets inside, bounds included") {
  auto s = torch::arange(0, 101, torch::kDouble).unsqueeze(1);  // 0, 1, ..., 100 for one output
  auto ci = nn::credible_interval(s, 0.9);
  CHECK(ci.lower[0].item<double>() == doctest::Approx(5.0));
  CHECK(ci.upper[0].item<double>() == doctest::Approx(95.0));
  nn::Interval iv{torch::zeros({4}), torch::ones({4})};
  CHECK(nn::coverage(iv, torch::tensor({0.5f, 1.0f, 2.0f, -0.1f})) == doctest::Approx(0.5));
  CHECK_THROWS_AS(nn::coverage(iv, torch::zeros({3})), pplx::ShapeError);
  CHECK_THROWS_AS(nn::credible_interval(s, 1.5), pplx::ValueError);
}

TEST_CASE("predictive_entropy and mutual_information on two disagreeing and two agreeing networks") {
  // Example 0: the networks are certain and disagree. Example 1: both say (0.5, 0.5).
  auto p = torch::tensor({{{1.0, 0.0}, {0.5, 0.5}}, {{0.0, 1.0}, {0.5, 0.5}}}, torch::kDouble);  // [S=2, N=2, C=2]
  auto h = nn::predictive_entropy(p);
  CHECK(h[0].item<double>() == doctest::Approx(std::log(2.0)));
  CHECK(h[1].item<double>() == doctest::Approx(std::log(2.0)));
  auto mi = nn::mutual_information(p);
  CHECK(mi[0].item<double>() == doctest::Approx(std::log(2.0)));  // all of it is disagreement
  CHECK(mi[1].item<double>() == doctest::Approx(0.0));            // none of it is
  // A three-class example: H(0.2, 0.3, 0.5) = -(0.2 ln 0.2 + 0.3 ln 0.3 + 0.5 ln 0.5).
  auto q = torch::tensor({0.2, 0.3, 0.5}, torch::kDouble);
  CHECK(nn::entropy(q).item<double>() ==
        doctest::Approx(-(0.2 * std::log(0.2) + 0.3 * std::log(0.3) + 0.5 * std::log(0.5))));
}

TEST_CASE("expected_calibration_error on four predictions in two bins") {
  // Confidences 0.85 (right), 0.85 (wrong) fall in bin (0.8, 0.9]: accuracy 0.5, confidence 0.85.
  // Confidences 0.65, 0.65, both right, fall in (0.6, 0.7]: accuracy 1, confidence 0.65.
  // ECE = 2/4 * |0.5 - 0.85| + 2/4 * |1 - 0.65| = 0.35.
  auto probs = torch::tensor({{0.85, 0.15}, {0.85, 0.15}, {0.35, 0.65}, {0.65, 0.35}}, torch::kDouble);
  auto labels = torch::tensor({0, 1, 1, 0}, torch::kLong);
  CHECK(nn::expected_calibration_error(probs, labels, 10) == doctest::Approx(0.35));
  // One bin: |mean accuracy 0.75 - mean confidence 0.75| = 0.
  CHECK(nn::expected_calibration_error(probs, labels, 1) == doctest::Approx(0.0));
}
