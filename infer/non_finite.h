// SPDX-License-Identifier: Apache-2.0
// NonFiniteLossError: what SVI throws when a step's loss is NaN or infinite, naming the culprit site.
#pragma once

#include <string>

#include <pplx/error.h>
#include <pplx/trace.h>

namespace pplx {
namespace infer {

/// The loss of an SVI step is NaN or infinite. The message names the first model or guide site
/// whose log-density is not finite, its distribution, shapes and the ranges of its value, mean and
/// variance (e.g. a scale that reached 0). SVIOptions().skip_non_finite(true) skips such steps instead.
class NonFiniteLossError : public Error {
 public:
  using Error::Error;
};

/// Describes the first sample site of `trace` whose log_prob (already computed) is not finite,
/// prefixed by `which` ("model", "guide"); empty when there is none.
std::string describe_non_finite_site(const Trace& trace, const char* which);

}  // namespace infer
}  // namespace pplx
