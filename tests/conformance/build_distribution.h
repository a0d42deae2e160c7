// SPDX-License-Identifier: Apache-2.0
// Builds pplx distributions from the conformance files' descriptions.
#pragma once

#include <string>

#include <pplx/distributions/distribution.h>

#include "json.h"

namespace pplx {
namespace conformance {

/// The distribution named `name` (as in distributions.json: Normal, LogNormal, ..., Delta,
/// IndependentNormal) with tensor `params` {argument: tensor} and non-tensor `options`
/// (`event_dim` for Delta, `reinterpreted_batch_ndims` for IndependentNormal). Bernoulli,
/// Categorical and Binomial take `probs` or `logits`; MultivariateNormal takes `scale_tril`,
/// `covariance_matrix` or `precision_matrix`. Throws pplx::NotImplementedError for an unknown name
/// and whatever pplx throws for bad parameters.
distributions::DistPtr build_distribution(const std::string& name, const Json& params, const Json& options);

/// The same from one object: {"distribution", "params", "options"?} (kl.json's p and q), or the
/// combinator forms of elbo.json's `fn`: {"distribution": "Independent",
/// "reinterpreted_batch_ndims", "base"} and {"distribution": "Masked", "mask", "base"}.
distributions::DistPtr distribution_from_json(const Json& spec);

}  // namespace conformance
}  // namespace pplx
