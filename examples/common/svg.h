// SPDX-License-Identifier: Apache-2.0
// A tiny hand-written SVG plot: predictions with intervals against the truth, one panel per model.
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

namespace pplx {
namespace examples {

/// One panel: for every point, the true value (x axis), the predicted mean and an interval (y axis).
struct IntervalPanel {
  std::string title;
  torch::Tensor truth;  ///< [N]
  torch::Tensor mean;   ///< [N]
  torch::Tensor lower;  ///< [N]
  torch::Tensor upper;  ///< [N]
};

/// Writes the panels side by side to `path` as an SVG file: a dot at (truth, mean) with a vertical
/// bar from lower to upper, blue when the interval covers the truth and red otherwise, and the
/// diagonal y = x. The tensors may live on any device. Throws pplx::IOError when the file cannot be
/// written.
void write_interval_plot(const std::string& path, const std::vector<IntervalPanel>& panels,
                         const std::string& axis_label = "standardised value");

}  // namespace examples
}  // namespace pplx
