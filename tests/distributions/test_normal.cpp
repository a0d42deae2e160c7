// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Normal: sample moments match loc and scale^2") {
  torch::manual_seed(1);
  dist::Normal d(torch::tensor({-1.0, 0.5, 3.0}), torch::tensor({0.5, 1.0, 2.0}));
  check_moments(d, torch::tensor({-1.0, 0.5, 3.0}), torch::tensor({0.25, 1.0, 4.0}));
}

TEST_CASE("Normal: log_prob and entropy are the closed forms") {
  dist::Normal d(torch::tensor(1.0, torch::kDouble), 2.0);
  const double x = 0.3, z = (x - 1.0) / 2.0;
  CHECK(d.log_prob(torch::tensor(x, torch::kDouble)).item<double>() ==
        doctest::Approx(-0.5 * z * z - std::log(2.0) - 0.5 * std::log(2 * M_PI)).epsilon(1e-12));
  CHECK(d.entropy().item<double>() == doctest::Approx(0.5 * std::log(2 * M_PI * M_E * 4.0)).epsilon(1e-12));
}

TEST_CASE("Normal: rsample gradients are unbiased (d/dloc, d/dscale of E[x^2] = 2 loc, 2 scale)") {
  torch::manual_seed(2);
  auto loc = torch::full({kDraws}, 0.7, torch::kDouble).requires_grad_();
  auto scale = torch::full({kDraws}, 1.3, torch::kDouble).requires_grad_();
  dist::Normal(loc, scale).rsample().pow(2).sum().backward();
  check_gradient_mean("d/dloc", loc.grad(), 2 * 0.7);
  check_gradient_mean("d/dscale", scale.grad(), 2 * 1.3);
}

TEST_CASE("Normal: bad parameters name the distribution and the argument") {
  check_throws_with<pplx::ValueError>([] { dist::Normal(0.0, -1.0); }, {"Normal", "parameter 'scale'", "positive"});
  check_throws_with<pplx::ValueError>([] { dist::Normal(0.0, 0.0); }, {"Normal", "parameter 'scale'"});
  check_throws_with<pplx::ValueError>([] { dist::Normal(std::nan(""), 1.0); }, {"Normal", "parameter 'loc'", "real"});
  check_throws_with<pplx::ShapeError>([] { dist::Normal(torch::zeros({3}), torch::ones({2})); },
                                      {"Normal", "do not broadcast", "loc=[3]", "scale=[2]"});
}

TEST_CASE("Normal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Normal(torch::zeros({2, 3}), torch::ones({3})));
}
