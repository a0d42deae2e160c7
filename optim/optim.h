// SPDX-License-Identifier: Apache-2.0
// Umbrella header for users: every pplx optimizer, MultiOptimizer and scheduler.
#pragma once

#include <pplx/optim/clipped_adam.h>
#include <pplx/optim/lr_scheduler.h>
#include <pplx/optim/multi.h>
#include <pplx/optim/pyro_optim.h>
#include <pplx/optim/pytorch_optimizers.h>
