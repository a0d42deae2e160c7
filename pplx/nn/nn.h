// SPDX-License-Identifier: Apache-2.0
// Umbrella header of pplx's Bayesian neural networks (for users; library code includes what it uses).
#pragma once

#include <pplx/nn/bayesian_layer.h>
#include <pplx/nn/conjugate.h>
#include <pplx/nn/conv.h>
#include <pplx/nn/kl.h>
#include <pplx/nn/linear.h>
#include <pplx/nn/posterior.h>
#include <pplx/nn/prior.h>
#include <pplx/nn/sample_elbo.h>
#include <pplx/nn/serialize.h>
#include <pplx/nn/uncertainty.h>
#include <pplx/nn/variationalize.h>
