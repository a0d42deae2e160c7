// SPDX-License-Identifier: Apache-2.0
// Umbrella header for users: ELBOs, SVI and Predictive.
#pragma once

#include <pplx/infer/elbo.h>
#include <pplx/infer/non_finite.h>
#include <pplx/infer/predictive.h>
#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/infer/trace_mean_field_elbo.h>
