// SPDX-License-Identifier: Apache-2.0
#include <cmath>

#include "helpers.h"

namespace c = pplx::constraints;
namespace transforms = pplx::transforms;

namespace {
// log|det dy/dx| by autograd: the Jacobian of y's first n_out entries (the free coordinates)
// with respect to x, one row per output, for a single event x of shape [n].
double autograd_log_abs_det(const transforms::TransformPtr& t, torch::Tensor x, int64_t n_out) {
  x = x.clone().requires_grad_();
  auto y = t->forward(x);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < n_out; ++i)
    rows.push_back(torch::autograd::grad({y[i]}, {x}, {}, /*retain_graph=*/true)[0]);
  return std::get<1>(torch::linalg_slogdet(torch::stack(rows))).item<double>();
}
}  // namespace

TEST_CASE("biject_to: forward lands in the constraint, inverse undoes it, log|det J| matches autograd") {
  torch::manual_seed(1);
  for (const auto& con : {c::real, c::positive, c::unit_interval, c::interval(-1.5, 0.5), c::greater_than(-0.9)}) {
    CAPTURE(con->describe());
    auto t = transforms::biject_to(con);
    auto x = torch::randn({6}, torch::kDouble) * 2;
    auto y = t->forward(x);
    CHECK(con->check(y).all().item<bool>());
    CHECK(torch::allclose(t->inverse(y), x, 1e-6, 1e-9));
    // Elementwise maps: the Jacobian is diagonal, log|dy/dx| per element.
    auto xr = x.clone().requires_grad_();
    auto dydx = torch::autograd::grad({t->forward(xr).sum()}, {xr})[0];
    CHECK(torch::allclose(t->log_abs_det_jacobian(x, y), dydx.abs().log(), 1e-6, 1e-9));
  }
}

TEST_CASE("biject_to(simplex) is stick-breaking: K-1 reals to the K-simplex") {
  torch::manual_seed(2);
  auto t = transforms::biject_to(c::simplex);
  CHECK(t->name() == "stick_breaking");
  auto x = torch::randn({3}, torch::kDouble);
  auto y = t->forward(x);
  CHECK(y.size(0) == 4);
  CHECK(c::simplex->check(y).item<bool>());
  CHECK(torch::allclose(t->inverse(y), x));
  // y's first K-1 coordinates determine it; their Jacobian is square.
  CHECK(t->log_abs_det_jacobian(x, y).item<double>() == doctest::Approx(autograd_log_abs_det(t, x, 3)).epsilon(1e-9));
  CHECK(t->forward_shape({2, 3}) == std::vector<int64_t>{2, 4});
}

TEST_CASE("transform_to follows torch: softmax for simplex, exp+affine for positive, lower_cholesky") {
  auto soft = transforms::transform_to(c::simplex);
  CHECK(soft->name() == "softmax");
  CHECK_THROWS_AS(soft->log_abs_det_jacobian(torch::zeros({3}), torch::zeros({3})), pplx::NotImplementedError);
  auto pos = std::dynamic_pointer_cast<const transforms::ComposeTransform>(transforms::transform_to(c::positive));
  REQUIRE(pos);
  REQUIRE(pos->parts().size() == 2);
  CHECK(pos->parts()[0]->name() == "exp");
  CHECK(pos->parts()[1]->name() == "affine");
  auto chol = transforms::transform_to(c::lower_cholesky);
  auto x = torch::tensor({{0.1, 5.0}, {-0.3, 0.2}}, torch::kDouble);
  auto y = chol->forward(x);
  CHECK(c::lower_cholesky->check(y).item<bool>());
  CHECK(y[0][1].item<double>() == 0.0);  // the strictly-upper part of x is ignored
  CHECK_THROWS_AS(transforms::biject_to(c::lower_cholesky), pplx::NotImplementedError);
}

TEST_CASE("transforms keep a float32 input float32 (scalar affine parameters are float64)") {
  auto t = transforms::transform_to(c::greater_than(1.0));
  auto y = t->forward(torch::tensor(0.5f));
  CHECK((y.scalar_type() == torch::kFloat));
  CHECK(y.item<float>() == doctest::Approx(std::exp(0.5) + 1.0));
}
