// SPDX-License-Identifier: Apache-2.0
// Predictive uncertainty from the outputs of sampled networks: moments, intervals and their
// coverage, entropy, mutual information, calibration.
#pragma once

#include <cstdint>

#include <ATen/ATen.h>

namespace pplx {
namespace nn {

/// Mean and standard deviation over dim 0 of `samples` ([S, ...], S sampled networks' outputs).
/// The std is the sample std (divides by S - 1; S must be >= 2).
struct PredictiveMoments {
  at::Tensor mean;
  at::Tensor std;
};
PredictiveMoments predictive_moments(const at::Tensor& samples);

/// An interval per prediction.
struct Interval {
  at::Tensor lower;
  at::Tensor upper;
  at::Tensor width() const { return upper - lower; }
};

/// The central credible interval holding `level` of the sampled values: the (1 - level)/2 and
/// (1 + level)/2 quantiles over dim 0 (linear interpolation, as torch.quantile).
///
///   auto ci = pplx::nn::credible_interval(samples, 0.95);
Interval credible_interval(const at::Tensor& samples, double level = 0.95);

/// mean - k std .. mean + k std.
Interval mean_std_interval(const PredictiveMoments& moments, double k = 2.0);

/// Fraction of `target` inside its interval (bounds included).
double coverage(const Interval& interval, const at::Tensor& target);

/// Entropy (nats) of categorical distributions given as probabilities along the last dim.
at::Tensor entropy(const at::Tensor& probs);

/// Entropy of the averaged prediction, H(mean_s p_s), for `probs` of shape [S, N, C] (S sampled
/// networks' class probabilities): the total predictive uncertainty, shape [N].
at::Tensor predictive_entropy(const at::Tensor& probs);

/// Mutual information between the prediction and the weights, H(mean_s p_s) - mean_s H(p_s)
/// (BALD): the part of the uncertainty that more data would remove. Shape [N].
at::Tensor mutual_information(const at::Tensor& probs);

/// Expected calibration error of predictions `probs` [N, C] against `labels` [N]: with the
/// confidences max_c p binned into `num_bins` equal bins (lo, hi], sum_b n_b / N |acc_b - conf_b|.
double expected_calibration_error(const at::Tensor& probs, const at::Tensor& labels, int64_t num_bins = 10);

}  // namespace nn
}  // namespace pplx
