// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/uncertainty.h>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/error.h>

namespace pplx {
namespace nn {
namespace {
using distributions::shape_str;

void check_samples(const at::Tensor& samples, const char* fn, int64_t min_dim) {
  PPLX_CHECK_AS(ShapeError, samples.defined() && samples.dim() >= min_dim, fn, ": expected samples with at least ",
                min_dim, " dims ([S, ...]), got ", samples.defined() ? shape_str(samples.sizes()) : "undefined");
}
}  // namespace

PredictiveMoments predictive_moments(const at::Tensor& samples) {
  check_samples(samples, "predictive_moments", 1);
  PPLX_CHECK_AS(ShapeError, samples.size(0) >= 2, "predictive_moments: need at least 2 samples along dim 0, got ",
                shape_str(samples.sizes()));
  return {samples.mean(0), samples.std(0, /*unbiased=*/true)};
}

Interval credible_interval(const at::Tensor& samples, double level) {
  check_samples(samples, "credible_interval", 1);
  PPLX_CHECK_AS(ValueError, level > 0 && level < 1, "credible_interval: level must lie in (0, 1), got ", level);
  auto s = samples.to(at::kDouble);
  auto lower = at::quantile(s, (1 - level) / 2, 0).to(samples.scalar_type());
  auto upper = at::quantile(s, (1 + level) / 2, 0).to(samples.scalar_type());
  return {lower, upper};
}

Interval mean_std_interval(const PredictiveMoments& m, double k) {
  PPLX_CHECK_AS(ValueError, k >= 0, "mean_std_interval: k must be >= 0, got ", k);
  return {m.mean - k * m.std, m.mean + k * m.std};
}

double coverage(const Interval& interval, const at::Tensor& target) {
  PPLX_CHECK_AS(ShapeError, interval.lower.sizes() == target.sizes() && interval.upper.sizes() == target.sizes(),
                "coverage: interval bounds of shape ", shape_str(interval.lower.sizes()), " and target of shape ",
                shape_str(target.sizes()), " differ");
  PPLX_CHECK_AS(ShapeError, target.numel() > 0, "coverage: empty target");
  auto inside = (target >= interval.lower).logical_and(target <= interval.upper);
  return inside.to(at::kDouble).mean().item<double>();
}

at::Tensor entropy(const at::Tensor& probs) {
  // xlogy: 0 log 0 = 0, so one-hot predictions have entropy exactly 0.
  return -at::xlogy(probs, probs).sum(-1);
}

at::Tensor predictive_entropy(const at::Tensor& probs) {
  check_samples(probs, "predictive_entropy", 3);
  return entropy(probs.mean(0));
}

at::Tensor mutual_information(const at::Tensor& probs) {
  check_samples(probs, "mutual_information", 3);
  return entropy(probs.mean(0)) - entropy(probs).mean(0);
}

double expected_calibration_error(const at::Tensor& probs, const at::Tensor& labels, int64_t num_bins) {
  PPLX_CHECK_AS(ShapeError,
                probs.dim() == 2 && labels.dim() == 1 && labels.size(0) == probs.size(0) && probs.size(0) > 0,
                "expected_calibration_error: expected probs [N, C] and labels [N], got ", shape_str(probs.sizes()),
                " and ", shape_str(labels.sizes()));
  PPLX_CHECK_AS(ValueError, num_bins >= 1, "expected_calibration_error: num_bins must be >= 1, got ", num_bins);
  auto max = probs.to(at::kDouble).max(1);
  auto confidence = std::get<0>(max);
  auto correct = std::get<1>(max).eq(labels.to(at::kLong)).to(at::kDouble);
  const double n = static_cast<double>(probs.size(0));
  double ece = 0;
  for (int64_t b = 0; b < num_bins; ++b) {
    const double lo = static_cast<double>(b) / num_bins, hi = static_cast<double>(b + 1) / num_bins;
    auto in_bin = (confidence > lo).logical_and(confidence <= hi);
    const auto count = in_bin.sum().item<int64_t>();
    if (count == 0) continue;
    const double acc = correct.masked_select(in_bin).mean().item<double>();
    const double conf = confidence.masked_select(in_bin).mean().item<double>();
    ece += count / n * std::abs(acc - conf);
  }
  return ece;
}

}  // namespace nn
}  // namespace pplx
