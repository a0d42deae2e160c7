// SPDX-License-Identifier: Apache-2.0
#include <pplx/validation.h>

namespace pplx {
namespace {
thread_local bool validation_on = true;
}
void enable_validation(bool on) { validation_on = on; }
bool is_validation_enabled() { return validation_on; }
}  // namespace pplx
