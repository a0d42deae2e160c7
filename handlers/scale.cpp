// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/scale.h>

#include <cmath>

#include <pplx/error.h>

namespace pplx {
namespace handlers {

ScaleMessenger::ScaleMessenger(double scale) : Messenger("scale"), scale_(scale) {
  PPLX_CHECK_AS(ValueError, scale > 0 && std::isfinite(scale),
                "handlers::scale: scale must be positive and finite, got ", scale);
}

}  // namespace handlers
}  // namespace pplx
