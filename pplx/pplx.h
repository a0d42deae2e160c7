// SPDX-License-Identifier: Apache-2.0
// Umbrella header for users: the runtime, handlers, distributions, inference, optimizers and the
// Bayesian layers of pplx::nn.
#pragma once

#include <pplx/archive.h>
#include <pplx/distributions/distributions.h>
#include <pplx/error.h>
#include <pplx/handlers/handlers.h>
#include <pplx/host_reads.h>
#include <pplx/infer/autoguide.h>
#include <pplx/infer/infer.h>
#include <pplx/message.h>
#include <pplx/messenger.h>
#include <pplx/module.h>
#include <pplx/nn/nn.h>
#include <pplx/optim/optim.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>
#include <pplx/prior.h>
#include <pplx/trace.h>
#include <pplx/validation.h>
