// SPDX-License-Identifier: Apache-2.0
// One small, fully seeded variational fit, used by the thread test to compare fits run alone with
// the same fits run concurrently.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace pplx_test {

struct FitConfig {
  int64_t num_data = 64;
  int64_t subsample_size = 16;
  int steps = 100;
};

struct FitResult {
  std::vector<std::string> names;  ///< the fit's params, in store order
  std::vector<at::Tensor> values;  ///< their constrained values after the last step
  std::vector<double> losses;      ///< the loss of every step
};

/// Fits a Normal mean (prior Normal(0, 10), unit-variance likelihood, Normal guide) to data that
/// depend on `k` with pplx::infer::SVI (TraceELBO, Adam), in its own ParamStore and under
/// handlers::seed(1000 + k). Touches no global state.
FitResult fit(int k, const FitConfig& config);

}  // namespace pplx_test
