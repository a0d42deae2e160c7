// SPDX-License-Identifier: Apache-2.0
// Batched linear algebra shared by the multivariate normals and their KL divergence. Internal header.
#pragma once

#include <ATen/ATen.h>

namespace pplx {
namespace distributions {
namespace detail {

/// x^T (L L^T)^{-1} x for lower-triangular L of shape [B..., n, n] and x of shape [S..., B..., n]
/// (batch dims broadcast). Solves with L once per batch element, with all sample dims as
/// right-hand sides, instead of expanding L to the sample shape.
at::Tensor batch_mahalanobis(const at::Tensor& L, const at::Tensor& x);

}  // namespace detail
}  // namespace distributions
}  // namespace pplx
