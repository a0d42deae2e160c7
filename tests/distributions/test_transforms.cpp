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
  for (int64_t i = 0; i < n_out; ++i) rows.push_back(torch::autograd::grad({y[i]}, {x}, {}, /*retain_graph=*/true)[0]);
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

namespace {
// log|det J| per batch element by autograd, for a transform whose domain event dim is `event_dim`.
// x is first broadcast to the shape the transform gives it (each batch element owns its copy, as
// TransformedDistribution's expanded base does); then for each batch element, the Jacobian of
// its event block of y (the first n entries: the free coordinates for stick_breaking) with
// respect to its event block of x, one autograd row per output.
torch::Tensor autograd_log_abs_det_batched(const transforms::TransformPtr& t, const torch::Tensor& x,
                                           int64_t event_dim) {
  const auto shape = t->inverse_shape(t->forward_shape(x.sizes()));
  const std::vector<int64_t> batch(shape.begin(), shape.end() - event_dim);
  int64_t num_batch = 1, n = 1;
  for (auto s : batch) num_batch *= s;
  for (auto it = shape.end() - event_dim; it != shape.end(); ++it) n *= *it;
  auto xf = x.expand(shape).clone().requires_grad_();
  auto y = t->forward(xf).reshape({num_batch, -1});
  std::vector<double> out;
  for (int64_t b = 0; b < num_batch; ++b) {
    std::vector<torch::Tensor> rows;
    for (int64_t i = 0; i < n; ++i)
      rows.push_back(torch::autograd::grad({y[b][i]}, {xf}, {}, /*retain_graph=*/true)[0].reshape({num_batch, n})[b]);
    out.push_back(std::get<1>(at::linalg_slogdet(torch::stack(rows))).item<double>());
  }
  return torch::tensor(out, torch::kDouble).reshape(batch);
}

torch::Tensor dvec(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
}  // namespace

TEST_CASE("log_abs_det_jacobian: every transform, scalar and tensor parameters, matches autograd") {
  torch::manual_seed(4);
  auto x23 = torch::randn({2, 3}, torch::kDouble);
  auto x3 = torch::randn({3}, torch::kDouble);
  auto s23 = torch::tensor({{2.0, -0.5, 3.0}, {0.25, 1.5, -4.0}}, torch::kDouble);
  auto scale_grad = torch::tensor(2.0, torch::kDouble).requires_grad_();  // 0-dim, but not the scalar fast path
  auto zero = torch::zeros({}, torch::kDouble);
  struct Case {
    const char* what;
    transforms::TransformPtr t;
    torch::Tensor x;
    std::vector<int64_t> ladj_shape;
  };
  const std::vector<Case> cases{
      {"identity", transforms::identity(), x23, {2, 3}},
      {"exp", transforms::exp(), x23, {2, 3}},
      {"sigmoid", transforms::sigmoid(), x23, {2, 3}},
      {"affine scalar, event_dim 0", transforms::affine(0.5, 2.0, 0), x23, {2, 3}},
      {"affine scalar, event_dim 1", transforms::affine(0.5, 2.0, 1), x23, {2}},
      {"affine scalar, event_dim 2", transforms::affine(0.5, -2.0, 2), x23, {}},
      {"affine 0-dim tensor scale, event_dim 1", transforms::affine(zero, scale_grad, 1), x23, {2}},
      {"affine [1] loc and scale, event_dim 1", transforms::affine(dvec({0.5}), dvec({3.0}), 1), x23, {2}},
      {"affine [3] scale, event_dim 1", transforms::affine(zero, dvec({2.0, -0.5, 3.0}), 1), x23, {2}},
      {"affine [2, 3] scale widens x of [3], event_dim 1", transforms::affine(zero, s23, 1), x3, {2}},
      {"affine [2, 3] scale widens x of [3], event_dim 2", transforms::affine(zero, s23, 2), x3, {}},
      {"affine [4, 1] loc widens x of [3], 0-dim scale, event_dim 1",
       transforms::affine(torch::randn({4, 1}, torch::kDouble), torch::tensor(-3.0, torch::kDouble), 1),
       x3,
       {4}},
      {"stick_breaking", transforms::stick_breaking(), x23, {2}},
      {"compose(affine scalar, stick_breaking)",
       transforms::compose({transforms::affine(0.1, 2.0, 0), transforms::stick_breaking()}),
       x23,
       {2}},
      {"compose(exp, affine [2, 3] scale event_dim 2) on x of [3]",
       transforms::compose({transforms::exp(), transforms::affine(zero, s23, 2)}),
       x3,
       {}},
      {"compose(sigmoid, affine [3] scale) = biject_to(interval) with tensor bounds",
       transforms::compose({transforms::sigmoid(), transforms::affine(dvec({-1.0, 0.0, 2.0}), dvec({1.0, 0.5, 4.0}))}),
       x23,
       {2, 3}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto y = c.t->forward(c.x);
    auto ladj = c.t->log_abs_det_jacobian(c.x, y);
    CHECK(ladj.sizes().vec() == c.ladj_shape);
    auto expected = autograd_log_abs_det_batched(c.t, c.x, c.t->domain_event_dim());
    CHECK(expected.sizes().vec() == c.ladj_shape);  // the reference itself has the right shape
    INFO("ladj " << ladj << "\nexpected " << expected);
    CHECK(torch::allclose(ladj.detach(), expected, 1e-9, 1e-9));
  }
}

TEST_CASE("affine(0, 2, event_dim 1) on R^3 has log|det J| = 3 log 2, with a scalar or a tensor scale") {
  // The case, by hand: torch 1.13 (and pplx before) counted a 0-dim scale once per event.
  const double expected = 3.0 * std::log(2.0);
  auto x = torch::tensor({0.3, -1.0, 2.0}, torch::kDouble);
  auto zero = torch::zeros({}, torch::kDouble);
  for (const auto& t : {transforms::affine(0.0, 2.0, 1),
                        transforms::affine(zero, torch::full({}, 2.0, torch::kDouble).requires_grad_(), 1),
                        transforms::affine(zero, torch::full({3}, 2.0, torch::kDouble), 1)}) {
    auto ladj = t->log_abs_det_jacobian(x, t->forward(x));
    CHECK(ladj.dim() == 0);
    CHECK(ladj.item<double>() == doctest::Approx(expected).epsilon(1e-12));
  }
  // float32 stays float32 on the scalar path.
  auto l32 = transforms::affine(0.0, 2.0, 1)->log_abs_det_jacobian(x.to(torch::kFloat), x.to(torch::kFloat));
  CHECK((l32.scalar_type() == torch::kFloat));
  CHECK(l32.item<float>() == doctest::Approx(expected).epsilon(1e-6));
  // An input with fewer dims than the event is refused, not summed as a smaller event.
  pplx_test::check_throws_with<pplx::ShapeError>(
      [] { transforms::affine(0.0, 2.0, 2)->log_abs_det_jacobian(torch::zeros({3}), torch::zeros({3})); },
      {"transforms::affine", "event_dim 2", "[3]"});
}
