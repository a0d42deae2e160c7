// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

// Cauchy has no moments; its quartiles are loc -/+ scale, so |x - loc| < scale half the time.
TEST_CASE("Cauchy: half the draws lie within one scale of loc") {
  torch::manual_seed(1);
  dist::Cauchy d(torch::tensor({1.0, -2.0}, torch::kDouble), torch::tensor({2.0, 0.5}, torch::kDouble));
  auto x = d.sample({kDraws});
  auto inside = ((x - d.loc()).abs() < d.scale()).to(torch::kDouble).mean(0);
  check_within("P(|x - loc| < scale)", inside, torch::full({2}, 0.5, torch::kDouble),
               torch::full({2}, std::sqrt(0.25 / kDraws), torch::kDouble));
  CHECK(torch::isnan(d.mean()).all().item<bool>());
  CHECK(torch::isinf(d.variance()).all().item<bool>());
}

TEST_CASE("Cauchy: log_prob is the closed form") {
  dist::Cauchy d(torch::tensor(1.0, torch::kDouble), 2.0);
  const double z = (0.2 - 1.0) / 2.0;
  CHECK(d.log_prob(torch::tensor(0.2, torch::kDouble)).item<double>() ==
        doctest::Approx(-std::log(M_PI * 2.0 * (1 + z * z))).epsilon(1e-12));
}

TEST_CASE("Cauchy: rsample is loc + scale * eps, so dx/dloc = 1 and dx/dscale = (x - loc) / scale") {
  torch::manual_seed(2);
  auto loc = torch::full({1000}, 0.5, torch::kDouble).requires_grad_();
  auto scale = torch::full({1000}, 2.0, torch::kDouble).requires_grad_();
  auto x = dist::Cauchy(loc, scale).rsample();
  x.sum().backward();
  CHECK(torch::allclose(loc.grad(), torch::ones_like(loc)));
  CHECK(torch::allclose(scale.grad(), (x.detach() - 0.5) / 2.0));
}

TEST_CASE("Cauchy: bad parameters") {
  check_throws_with<pplx::ValueError>([] { dist::Cauchy(0.0, -1.0); }, {"Cauchy", "parameter 'scale'"});
}

TEST_CASE("Cauchy: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Cauchy(torch::zeros({3}), 1.0));
}
