// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace h = pplx::handlers;

TEST_CASE("smoke: trace records a Normal-Normal model") {
  pplx::clear_param_store();
  auto model = [](const torch::Tensor& x) {
    auto z = pplx::sample("z", dist::Normal(0.0, 1.0));
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(z, 1.0), x);
  };
  auto tr = h::trace(model).get_trace(torch::ones({5}));
  CHECK(tr.size() == 3);
  CHECK(tr.at("x").fn->batch_shape() == c10::IntArrayRef{5});
  double lp = tr.log_prob_sum().item<double>();
  double z = tr.at("z").value.item<double>();
  double expected = -0.5 * z * z - 0.5 * std::log(2 * M_PI) + 5 * (-0.5 * (1 - z) * (1 - z) - 0.5 * std::log(2 * M_PI));
  CHECK(lp == doctest::Approx(expected).epsilon(1e-5));
}
