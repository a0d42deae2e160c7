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
/// by size / subsample_size. The subsample indices are themselves a site (type plate, drawn by its
/// subsample_fn unless a handler supplies them), so replaying a guide trace gives the model the
/// same subsample.
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

namespace detail {

/// Replay's rule for a plate site: `msg` takes the subsample indices of `recorded`, the site of
/// the same name in the replayed trace, so that the model sees the guide's minibatch. Throws
/// SiteError when `recorded` is not a plate site, ShapeError when its plate size differs.
/// Source: pyro/poutine/replay_messenger.py (Pyro replays the _Subsample site as any sample site).
///
///   if (const Site* g = trace.find(msg.name)) pplx::detail::replay_plate(msg, *g);
void replay_plate(Message& msg, const Site& recorded);

/// Trace's rule for a plate name entered again in one run: one name means one plate, so `again`
/// must have the size of `first` (the record the trace keeps). Throws ShapeError naming both
/// sizes. Pyro rejects any second site of one name (pyro/poutine/trace_struct.py, add_node); pplx
/// allows re-entering a plate scope, as Pyro allows re-entering one plate object.
///
///   if (old.type == SiteType::plate) pplx::detail::check_plate_reentered(old, msg);
void check_plate_reentered(const Site& first, const Message& again);

}  // namespace detail

}  // namespace pplx
