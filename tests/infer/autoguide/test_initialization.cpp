// SPDX-License-Identifier: Apache-2.0
// The autoguides' init strategies (pyro/infer/autoguide/initialization.py) and InitMessenger.
#include <cmath>
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace ag = pplx::infer::autoguide;
namespace h = pplx::handlers;

// Named so that unity builds keep this file's helpers apart from other test files'.
namespace autoguide_init_test {
namespace {

// A site as InitMessenger hands it to the strategy: name and (plate-broadcast) distribution.
pplx::Message site(const std::string& name, const dist::Distribution& d) {
  pplx::Message m;
  m.name = name;
  m.fn = d.clone();
  return m;
}

torch::Tensor scalar(double v) { return torch::full({}, v, torch::kDouble); }

}  // namespace

TEST_CASE("init_to_feasible: transform_to(support) of zeros, ignoring the parameters") {
  auto init = ag::init_to_feasible();
  CHECK(init(site("a", dist::Normal(scalar(5.0), 2.0))).item<double>() == 0.0);
  CHECK(init(site("b", dist::LogNormal(scalar(5.0), 2.0))).item<double>() == doctest::Approx(1.0));
  CHECK(init(site("c", dist::Beta(scalar(9.0), scalar(1.0)))).item<double>() == doctest::Approx(0.5));
  CHECK(init(site("d", dist::Uniform(scalar(2.0), scalar(4.0)))).item<double>() == doctest::Approx(3.0));
  auto simplex = init(site("e", dist::Dirichlet(torch::tensor({1.0, 5.0, 2.0}, torch::kDouble))));
  CHECK(torch::allclose(simplex, torch::full({3}, 1.0 / 3, torch::kDouble)));
  auto vec = init(site("f", *dist::Normal(torch::ones({2, 3}), 1.0).to_event(1)));
  CHECK(vec.sizes() == torch::IntArrayRef{2, 3});
  CHECK(vec.abs().sum().item<double>() == 0.0);
}

TEST_CASE("init_to_sample: a prior draw inside the support") {
  torch::manual_seed(1);
  auto init = ag::init_to_sample();
  auto a = init(site("a", dist::Gamma(scalar(2.0), scalar(3.0))));
  auto b = init(site("a", dist::Gamma(scalar(2.0), scalar(3.0))));
  CHECK(a.item<double>() > 0);
  CHECK(a.item<double>() != b.item<double>());
  CHECK(!a.requires_grad());
}

TEST_CASE("init_to_median: the empirical median, the fallback for multivariate sites") {
  torch::manual_seed(2);
  auto init = ag::init_to_median();
  CHECK(init(site("a", dist::Normal(scalar(3.0), 0.1))).item<double>() == doctest::Approx(3.0).epsilon(0.05));
  // 201 draws of LogNormal(0, 1): the median is within a few percent of exp(0) = 1.
  auto many = ag::init_to_median(201);
  CHECK(many(site("b", dist::LogNormal(scalar(0.0), 1.0))).item<double>() == doctest::Approx(1.0).epsilon(0.25));
  // Dirichlet's event has 3 elements: no median, init_to_feasible (the uniform simplex).
  auto simplex = init(site("c", dist::Dirichlet(torch::tensor({1.0, 5.0, 2.0}, torch::kDouble))));
  CHECK(torch::allclose(simplex, torch::full({3}, 1.0 / 3, torch::kDouble)));
  CHECK_THROWS_AS(ag::init_to_median(0), pplx::ValueError);
}

TEST_CASE("init_to_mean: the prior mean, or the fallback where it is undefined") {
  torch::manual_seed(3);
  auto init = ag::init_to_mean();
  CHECK(init(site("a", dist::Normal(scalar(3.0), 2.0))).item<double>() == 3.0);
  CHECK(init(site("b", dist::Beta(scalar(2.0), scalar(6.0)))).item<double>() == doctest::Approx(0.25));
  // A Normal's mean broadcast by a plate has the site's shape.
  CHECK(init(site("c", *dist::Normal(scalar(1.0), 1.0).expand({4}))).sizes() == torch::IntArrayRef{4});
  // Cauchy has no mean: init_to_median's value (near the location 7).
  auto cauchy = init(site("d", dist::Cauchy(scalar(7.0), 0.01)));
  CHECK(cauchy.item<double>() == doctest::Approx(7.0).epsilon(0.05));
  auto strict = ag::init_to_mean(nullptr);
  auto msg = std::string();
  try {
    strict(site("d", dist::Cauchy(scalar(7.0), 1.0)));
  } catch (const pplx::ValueError& e) {
    msg = e.what();
  }
  CHECK(msg.find("site 'd'") != std::string::npos);
}

TEST_CASE("init_to_uniform: uniform in (-radius, radius) on the unconstrained scale") {
  torch::manual_seed(4);
  auto init = ag::init_to_uniform(0.5);
  for (int i = 0; i < 20; ++i) {
    double v = init(site("a", dist::LogNormal(scalar(10.0), 1.0))).item<double>();
    CHECK(v > std::exp(-0.5));
    CHECK(v < std::exp(0.5));
  }
  CHECK_THROWS_AS(ag::init_to_uniform(0.0), pplx::ValueError);
}

TEST_CASE("init_to_value: the given value by name, the fallback for the others") {
  torch::manual_seed(5);
  auto init = ag::init_to_value({{"a", scalar(4.0)}}, ag::init_to_feasible());
  CHECK(init(site("a", dist::Normal(scalar(0.0), 1.0))).item<double>() == 4.0);
  CHECK(init(site("b", dist::LogNormal(scalar(3.0), 1.0))).item<double>() == doctest::Approx(1.0));
  auto only = ag::init_to_value({{"a", scalar(4.0)}}, nullptr);
  CHECK_THROWS_AS(only(site("b", dist::Normal(scalar(0.0), 1.0))), pplx::ValueError);
}

TEST_CASE("InitMessenger: latent sites take their init values, observed sites keep their data") {
  torch::manual_seed(6);
  auto model = [](const torch::Tensor& x) {
    auto m = pplx::sample("m", dist::Normal(scalar(2.0), 1.0));
    pplx::plate data("data", 3);
    auto z = pplx::sample("z", dist::Normal(m, 1.0));
    pplx::sample("x", dist::Normal(z, 1.0), x);
  };
  auto x = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
  pplx::Trace tr;
  {
    auto t = h::trace();
    ag::InitMessenger init(ag::init_to_value({{"m", scalar(-1.0)}}, ag::init_to_mean()));
    model(x);
    tr = t.take_trace();
  }
  CHECK(tr.at("m").value.item<double>() == -1.0);
  // z's prior mean given m = -1, broadcast to the plate.
  CHECK(torch::allclose(tr.at("z").value, torch::full({3}, -1.0, torch::kDouble)));
  CHECK(torch::equal(tr.at("x").value, x));
  // A strategy returning the wrong shape is an error naming the site and both shapes.
  auto bad = [](const pplx::Message&) { return torch::zeros({2}); };
  std::string msg;
  try {
    ag::InitMessenger init(bad);
    model(x);
  } catch (const pplx::ShapeError& e) {
    msg = e.what();
  }
  CHECK(msg.find("site 'm'") != std::string::npos);
  CHECK(msg.find("[2]") != std::string::npos);
}

TEST_CASE("softplus_positive and unit_lower_cholesky: Pyro's constraints for autoguide scales") {
  namespace c = pplx::constraints;
  namespace t = pplx::transforms;
  auto sp = t::transform_to(c::softplus_positive);
  CHECK(sp->name() == "softplus");
  auto x = torch::tensor({-3.0, 0.0, 2.0, 30.0}, torch::kDouble);
  auto y = sp->forward(x);
  CHECK(torch::allclose(y, torch::log1p(torch::exp(x))));
  CHECK(torch::allclose(sp->inverse(y), x));
  CHECK(torch::allclose(sp->log_abs_det_jacobian(x, y), torch::log(torch::sigmoid(x))));
  CHECK(t::biject_to(c::softplus_positive)->name() == "softplus");
  CHECK(c::softplus_positive->check(x).equal(x > 0));
  auto tril = t::transform_to(c::unit_lower_cholesky);
  auto m = torch::tensor({{5.0, 9.0}, {2.0, -3.0}}, torch::kDouble);
  auto l = tril->forward(m);
  CHECK(torch::equal(l, torch::tensor({{1.0, 0.0}, {2.0, 1.0}}, torch::kDouble)));
  CHECK(c::unit_lower_cholesky->check(l).item<bool>());
  CHECK(!c::unit_lower_cholesky->check(m).item<bool>());
  CHECK(torch::equal(tril->forward(tril->inverse(l)), l));
  // Both survive a parameter file (names are read back with from_name).
  CHECK(c::from_name("softplus_positive") == c::softplus_positive);
  CHECK(c::from_name("unit_lower_cholesky") == c::unit_lower_cholesky);
}

}  // namespace autoguide_init_test
