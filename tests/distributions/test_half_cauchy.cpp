// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("HalfCauchy: the median is scale") {
  torch::manual_seed(1);
  dist::HalfCauchy d(torch::tensor({0.5, 3.0}, torch::kDouble));
  auto below = (d.sample({kDraws}) < d.scale()).to(torch::kDouble).mean(0);
  check_within("P(x < scale)", below, torch::full({2}, 0.5, torch::kDouble),
               torch::full({2}, std::sqrt(0.25 / kDraws), torch::kDouble));
  CHECK(torch::isinf(d.mean()).all().item<bool>());
}

TEST_CASE("HalfCauchy: log_prob is twice the Cauchy density on x >= 0") {
  dist::HalfCauchy d(torch::tensor(2.0, torch::kDouble));
  const double z = 1.5 / 2.0;
  CHECK(d.log_prob(torch::tensor(1.5, torch::kDouble)).item<double>() ==
        doctest::Approx(std::log(2.0 / (M_PI * 2.0 * (1 + z * z)))).epsilon(1e-12));
  CHECK(d.entropy().item<double>() == doctest::Approx(std::log(2 * M_PI * 2.0)).epsilon(1e-12));
}

TEST_CASE("HalfCauchy: dx/dscale = x / scale") {
  torch::manual_seed(2);
  auto scale = torch::full({1000}, 2.0, torch::kDouble).requires_grad_();
  auto x = dist::HalfCauchy(scale).rsample();
  x.sum().backward();
  CHECK(torch::allclose(scale.grad(), x.detach() / 2.0));
}

TEST_CASE("HalfCauchy: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::HalfCauchy(0.0); }, {"HalfCauchy", "parameter 'scale'"});
  check_throws_with<pplx::ValueError>([] { dist::HalfCauchy(1.0).log_prob(torch::tensor(-1.0)); },
                                      {"HalfCauchy", "support"});
}

TEST_CASE("HalfCauchy: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::HalfCauchy(torch::ones({2})));
}
