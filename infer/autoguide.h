// SPDX-License-Identifier: Apache-2.0
// Umbrella header for the automatic guides (pyro.infer.autoguide): AutoDelta, AutoNormal,
// AutoDiagonalNormal, AutoMultivariateNormal, AutoLowRankMultivariateNormal,
// AutoLaplaceApproximation, AutoGuideList and the init strategies.
#pragma once

#include <pplx/infer/autoguide/auto_continuous.h>
#include <pplx/infer/autoguide/auto_delta.h>
#include <pplx/infer/autoguide/auto_diagonal_normal.h>
#include <pplx/infer/autoguide/auto_guide_list.h>
#include <pplx/infer/autoguide/auto_laplace_approximation.h>
#include <pplx/infer/autoguide/auto_low_rank_multivariate_normal.h>
#include <pplx/infer/autoguide/auto_multivariate_normal.h>
#include <pplx/infer/autoguide/auto_normal.h>
#include <pplx/infer/autoguide/guide.h>
#include <pplx/infer/autoguide/initialization.h>
