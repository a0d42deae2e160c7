// SPDX-License-Identifier: Apache-2.0
// The checks an ELBO runs on each (model, guide) pair of traces: Pyro's check_model_guide_match and
// check_site_shape (pyro/util.py). Building blocks for user-written ELBOs as well.
#pragma once

#include <cstdint>

#include <c10/util/Optional.h>

#include <pplx/trace.h>

namespace pplx {
namespace infer {
namespace detail {

/// Checks that a guide trace fits its model trace (Pyro's check_model_guide_match). Always: every
/// latent guide site is a latent sample site of the model (else pplx::SiteError). With validation
/// on (pplx::is_validation_enabled()), also: each latent site has the same event_dim in model and
/// guide and the same shape (batch_shape + event_shape, compared right-aligned, a missing leading
/// dim counting as 1), else pplx::ShapeError; and every plate of the guide is a plate of the model,
/// else pplx::SiteError. `max_plate_nesting` (Pyro's): when set, batch dims left of the rightmost
/// `max_plate_nesting` are not compared. Reads shape metadata only.
///
///   detail::check_model_guide_match(model_tr, guide_tr);   // in a custom ELBO, before the loss
void check_model_guide_match(const Trace& model, const Trace& guide,
                             c10::optional<int64_t> max_plate_nesting = c10::nullopt);

/// Checks that every batch dim of a sample site's log-density belongs to a plate (Pyro's
/// check_site_shape): the log-density's batch shape is the value's batch part broadcast with fn's
/// batch_shape and the site's mask; its size at the dim of an enclosing plate must be the plate's
/// (subsample) size, and left of the leftmost enclosing plate every size must be 1. As in Pyro, a
/// dim between enclosing plates that none of them declares is not checked (it may come from a plate
/// the site's inputs were drawn in). Throws pplx::ShapeError naming the site, `role` ("model" or
/// "guide"), the dim, the shape and the enclosing plates. Dims left of `max_plate_nesting` (when
/// set) are not checked. Deterministic sites are skipped. Reads shape metadata only.
///
///   for (const auto& s : model_tr) detail::check_site_shape(s, "model");
void check_site_shape(const Site& site, const char* role, c10::optional<int64_t> max_plate_nesting = c10::nullopt);

/// check_site_shape on every sample site of `trace` when validation is on; nothing otherwise.
void check_site_shapes(const Trace& trace, const char* role, c10::optional<int64_t> max_plate_nesting = c10::nullopt);

}  // namespace detail
}  // namespace infer
}  // namespace pplx
