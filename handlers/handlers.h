// SPDX-License-Identifier: Apache-2.0
// All effect handlers. Each verb has a scope form (`auto s = handlers::scale(0.5);`) and a wrapper
// form (`handlers::scale(model, 0.5)(args...)`).
#pragma once

#include <pplx/handlers/block.h>
#include <pplx/handlers/condition.h>
#include <pplx/handlers/lift.h>
#include <pplx/handlers/mask.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/scale.h>
#include <pplx/handlers/seed.h>
#include <pplx/handlers/substitute.h>
#include <pplx/handlers/trace.h>
