// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/auto_diagonal_normal.h>

#include <pplx/distributions/independent.h>
#include <pplx/distributions/normal.h>
#include <pplx/error.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

AutoDiagonalNormalImpl::AutoDiagonalNormalImpl(AutoDiagonalNormalOptions options)
    : AutoContinuousImpl("AutoDiagonalNormal", options.init_loc_fn()), options_(std::move(options)) {
  PPLX_CHECK_AS(ValueError, options_.init_scale() > 0, "AutoDiagonalNormal: init_scale must be > 0, got ",
                options_.init_scale());
}

void AutoDiagonalNormalImpl::setup_posterior() {
  loc_name_ = prefix_ + ".loc";
  scale_name_ = prefix_ + ".scale";
  init_scale_ = at::full_like(init_loc_, options_.init_scale());
}

distributions::DistPtr AutoDiagonalNormalImpl::posterior() {
  at::Tensor loc = pplx::param(loc_name_, init_loc_);
  at::Tensor scale = pplx::param(scale_name_, init_scale_, constraints::softplus_positive);
  return std::make_shared<distributions::Normal>(loc, scale)->to_event(1);
}

std::pair<at::Tensor, at::Tensor> AutoDiagonalNormalImpl::loc_scale() {
  return {stored(loc_name_, init_loc_, constraints::real),
          stored(scale_name_, init_scale_, constraints::softplus_positive)};
}

}  // namespace detail
}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
