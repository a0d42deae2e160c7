// SPDX-License-Identifier: Apache-2.0
// Learning-rate schedulers for pplx optimizers (Pyro's PyroLRScheduler, torch.optim.lr_scheduler).
#pragma once

#include <cstdint>
#include <functional>

#include <pplx/optim/pyro_optim.h>

namespace pplx {
namespace optim {

/// Base of the schedulers: step() advances one epoch and scales the learning rate of every
/// parameter of `optim` (present and future) by factor(epoch) relative to its initial value.
/// The optimizer must outlive the scheduler. Not thread-safe.
///
///   pplx::optim::Adam adam(torch::optim::AdamOptions(0.1));
///   pplx::optim::ExponentialLR sched(adam, 0.99);
///   for (...) { svi.step(x); sched.step(); }
class LRScheduler {
 public:
  explicit LRScheduler(PyroOptim& optim) : optim_(optim) {}
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and applies the new factor.
  void step();
  int64_t epoch() const { return epoch_; }
  /// Multiplier of the initial learning rates at `epoch` (1 at epoch 0).
  virtual double factor(int64_t epoch) const = 0;

 protected:
  PyroOptim& optim_;
  int64_t epoch_ = 0;
};

/// Multiplies the learning rate by `gamma` every `step_size` epochs (torch's StepLR).
///
///   pplx::optim::StepLR sched(adam, /*step_size=*/100, /*gamma=*/0.5);
class StepLR : public LRScheduler {
 public:
  /// Throws pplx::ValueError unless step_size >= 1 and gamma > 0.
  StepLR(PyroOptim& optim, int64_t step_size, double gamma = 0.1);
  double factor(int64_t epoch) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// Multiplies the learning rate by `gamma` every epoch (torch's ExponentialLR).
///
///   pplx::optim::ExponentialLR sched(adam, 0.999);
class ExponentialLR : public LRScheduler {
 public:
  /// Throws pplx::ValueError unless gamma > 0.
  ExponentialLR(PyroOptim& optim, double gamma);
  double factor(int64_t epoch) const override;

 private:
  double gamma_;
};

/// Learning rate = initial * lambda(epoch) (torch's LambdaLR).
///
///   pplx::optim::LambdaLR warmup(adam, [](int64_t e) { return std::min(1.0, (e + 1) / 100.0); });
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(PyroOptim& optim, std::function<double(int64_t epoch)> lambda);
  double factor(int64_t epoch) const override;

 private:
  std::function<double(int64_t)> lambda_;
};

}  // namespace optim
}  // namespace pplx
