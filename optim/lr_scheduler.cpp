// SPDX-License-Identifier: Apache-2.0
#include <pplx/optim/lr_scheduler.h>

#include <cmath>

#include <pplx/error.h>

namespace pplx {
namespace optim {

void LRScheduler::step() {
  ++epoch_;
  optim_.set_lr_factor(factor(epoch_));
}

StepLR::StepLR(PyroOptim& optim, int64_t step_size, double gamma)
    : LRScheduler(optim), step_size_(step_size), gamma_(gamma) {
  PPLX_CHECK_AS(ValueError, step_size >= 1, "StepLR: step_size must be >= 1, got ", step_size);
  PPLX_CHECK_AS(ValueError, gamma > 0 && std::isfinite(gamma), "StepLR: gamma must be > 0, got ", gamma);
}
double StepLR::factor(int64_t epoch) const { return std::pow(gamma_, static_cast<double>(epoch / step_size_)); }

ExponentialLR::ExponentialLR(PyroOptim& optim, double gamma) : LRScheduler(optim), gamma_(gamma) {
  PPLX_CHECK_AS(ValueError, gamma > 0 && std::isfinite(gamma), "ExponentialLR: gamma must be > 0, got ", gamma);
}
double ExponentialLR::factor(int64_t epoch) const { return std::pow(gamma_, static_cast<double>(epoch)); }

LambdaLR::LambdaLR(PyroOptim& optim, std::function<double(int64_t)> lambda)
    : LRScheduler(optim), lambda_(std::move(lambda)) {
  PPLX_CHECK_AS(ValueError, lambda_ != nullptr, "LambdaLR: lambda is empty");
}
double LambdaLR::factor(int64_t epoch) const {
  const double f = lambda_(epoch);
  PPLX_CHECK_AS(ValueError, f > 0 && std::isfinite(f), "LambdaLR: lambda(", epoch, ") = ", f, " must be > 0");
  return f;
}

}  // namespace optim
}  // namespace pplx
