// SPDX-License-Identifier: Apache-2.0
// plate: a scope of conditionally independent draws (vectorized, optionally subsampled).
#pragma once

#include <string>

#include <torch/arg.h>

#include <pplx/messenger.h>

namespace pplx {

/// Options of pplx::plate.
struct PlateOptions {
  /// Draw a random subsample of this size each time the plate is entered; sites inside are scaled
  /// by size / subsample_size. Unset: the whole plate.
  TORCH_ARG(c10::optional<int64_t>, subsample_size) = c10::nullopt;
  /// Negative batch dim the plate occupies. Unset: the rightmost dim not used by an enclosing plate.
  TORCH_ARG(c10::optional<int64_t>, dim) = c10::nullopt;
  /// Explicit subsample indices (int64) instead of random ones.
  TORCH_ARG(at::Tensor, subsample);
  /// Device of the subsample indices (put them where the data is).
  TORCH_ARG(c10::optional<c10::Device>, device) = c10::nullopt;
};

/// Pyro's plate as an RAII scope: sample sites inside are independent along dim() and their
/// distributions are broadcast to the plate size; with subsampling their log-densities are scaled
/// by size / subsample_size. The subsample indices are themselves a site (type plate), so replaying
/// a guide trace gives the model the same subsample.
///
///   pplx::plate data("data", x.size(0), PlateOptions().subsample_size(32));
///   auto xb = data.subsample(x);                       // rows of this step's minibatch
///   pplx::sample("y", dist::Normal(f(xb), 1.0), data.subsample(y));
class PlateMessenger : public Messenger {
 public:
  PlateMessenger(std::string name, int64_t size, PlateOptions options = {});
  PlateMessenger(std::string name, int64_t size, int64_t subsample_size, c10::optional<int64_t> dim = c10::nullopt);
  ~PlateMessenger() override;

  void process_message(Message& msg) override;
  
  const std::string& name() const { return frame_.name; }
  int64_t size() const { return frame_.size; }
  int64_t subsample_size() const { return frame_.subsample_size; }
  int64_t dim() const { return frame_.dim; }
  /// This step's subsample indices (arange(size) when not subsampling).
  const at::Tensor& indices() const { return indices_; }
  /// Selects this step's subsample of `data` along `dim` (default: the first dim).
  at::Tensor subsample(const at::Tensor& data, int64_t dim = 0) const;

 private:
  PlateFrame frame_;
  at::Tensor indices_;
};

/// Lower-case name used in models, as in Pyro: `pplx::plate data("data", N);`.
using plate = PlateMessenger;

}  // namespace pplx
