// SPDX-License-Identifier: Apache-2.0
// All distributions, constraints, transforms and the KL registry (umbrella header for users).
#pragma once

#include <pplx/distributions/bernoulli.h>
#include <pplx/distributions/beta.h>
#include <pplx/distributions/binomial.h>
#include <pplx/distributions/categorical.h>
#include <pplx/distributions/cauchy.h>
#include <pplx/distributions/constraints.h>
#include <pplx/distributions/delta.h>
#include <pplx/distributions/dirichlet.h>
#include <pplx/distributions/distribution.h>
#include <pplx/distributions/exponential.h>
#include <pplx/distributions/gamma.h>
#include <pplx/distributions/half_cauchy.h>
#include <pplx/distributions/half_normal.h>
#include <pplx/distributions/independent.h>
#include <pplx/distributions/kl.h>
#include <pplx/distributions/laplace.h>
#include <pplx/distributions/log_normal.h>
#include <pplx/distributions/low_rank_multivariate_normal.h>
#include <pplx/distributions/masked.h>
#include <pplx/distributions/mixture_same_family.h>
#include <pplx/distributions/multivariate_normal.h>
#include <pplx/distributions/non_reparameterized.h>
#include <pplx/distributions/normal.h>
#include <pplx/distributions/one_hot_categorical.h>
#include <pplx/distributions/poisson.h>
#include <pplx/distributions/scale_mixture_normal.h>
#include <pplx/distributions/student_t.h>
#include <pplx/distributions/transformed_distribution.h>
#include <pplx/distributions/transforms.h>
#include <pplx/distributions/uniform.h>
#include <pplx/distributions/unit.h>
