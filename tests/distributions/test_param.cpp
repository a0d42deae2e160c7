// SPDX-License-Identifier: Apache-2.0
// Param<constraint, event dims>: a family's parameter struct is the one description of its
// parameters (torch's arg_constraints), and each member is used as a plain tensor.
#include "helpers.h"

namespace constraints = pplx::constraints;

TEST_CASE("Param: the member type carries the constraint and the event dims (torch's arg_constraints)") {
  using Scale = decltype(dist::NormalParams::scale);
  CHECK(Scale::constraint() == constraints::positive);
  CHECK(Scale::event_dim() == 0);
  using Concentration = decltype(dist::DirichletParams::concentration);
  CHECK(Concentration::constraint()->describe() == "independent(positive, 1)");
  CHECK(Concentration::event_dim() == 1);
  CHECK(Concentration::constraint() == Concentration::constraint());  // built once and shared
  using CovFactor = decltype(dist::LowRankMultivariateNormalParams::cov_factor);
  CHECK(CovFactor::constraint()->describe() == "independent(real, 2)");
  CHECK(CovFactor::event_dim() == 2);
  using ScaleTril = decltype(dist::MultivariateNormalParams::scale_tril);
  CHECK(ScaleTril::constraint() == constraints::lower_cholesky);
  CHECK(ScaleTril::event_dim() == 2);
  CHECK(decltype(dist::CategoricalParams::probs)::event_dim() == 1);
  CHECK(dist::DependentParam::constraint() == nullptr);
  CHECK(dist::DependentParam::event_dim() == 0);
}

TEST_CASE("Param: built from, assigned from and read as an at::Tensor") {
  dist::NormalParams p{torch::zeros({3}), torch::ones({3})};
  p.loc = p.loc + 1;
  const torch::Tensor& loc = p.loc;
  CHECK(loc.equal(torch::ones({3})));
  dist::CategoricalParams c{torch::full({2}, 0.5), {}};
  CHECK(!c.logits.defined());
  dist::Normal d(p);
  CHECK(d.params().scale.equal(d.scale()));
}
