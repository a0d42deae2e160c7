// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("LogNormal: sample moments match exp(loc + scale^2/2) and (e^{s^2} - 1) e^{2 loc + s^2}") {
  torch::manual_seed(1);
  const double loc = 0.2, s = 0.4;
  dist::LogNormal d(torch::full({2}, loc, torch::kDouble), s);
  const double mean = std::exp(loc + s * s / 2), var = std::expm1(s * s) * std::exp(2 * loc + s * s);
  check_moments(d, torch::full({2}, mean, torch::kDouble), torch::full({2}, var, torch::kDouble));
}

TEST_CASE("LogNormal: log_prob is Normal's at log(x) minus log(x)") {
  auto x = torch::tensor({0.5, 1.0, 3.0}, torch::kDouble);
  dist::LogNormal d(0.3, 0.8);
  auto expected = dist::Normal(0.3, 0.8).log_prob(x.log().to(torch::kFloat)).to(torch::kDouble) - x.log();
  CHECK(torch::allclose(d.log_prob(x.to(torch::kFloat)).to(torch::kDouble), expected, 1e-5, 1e-6));
  CHECK(d.support()->name() == "positive");
}

TEST_CASE("LogNormal: rsample gradients of E[x] are E[x] and scale * E[x]") {
  torch::manual_seed(2);
  const double loc = 0.1, s = 0.3, mean = std::exp(loc + s * s / 2);
  auto l = torch::full({kDraws}, loc, torch::kDouble).requires_grad_();
  auto sc = torch::full({kDraws}, s, torch::kDouble).requires_grad_();
  dist::LogNormal(l, sc).rsample().sum().backward();
  check_gradient_mean("d/dloc", l.grad(), mean);
  check_gradient_mean("d/dscale", sc.grad(), s * mean);
}

TEST_CASE("LogNormal: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::LogNormal(0.0, -1.0); }, {"LogNormal", "parameter 'scale'"});
  check_throws_with<pplx::ValueError>([] { dist::LogNormal(0.0, 1.0).log_prob(torch::tensor(0.0)); },
                                      {"LogNormal", "outside the support positive"});
}

TEST_CASE("LogNormal: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::LogNormal(torch::zeros({4}), 0.5));
}
