// SPDX-License-Identifier: Apache-2.0
// All distributions, constraints and transforms.
#pragma once

#include <pplx/distributions/constraints.h>
#include <pplx/distributions/delta.h>
#include <pplx/distributions/distribution.h>
#include <pplx/distributions/independent.h>
#include <pplx/distributions/masked.h>
#include <pplx/distributions/normal.h>
#include <pplx/distributions/transforms.h>
#include <pplx/distributions/unit.h>
