// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include <pplx/infer/trace_elbo.h>
#include <pplx/param_store.h>
#include <pplx/primitives.h>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("Bernoulli: sample moments match p and p(1-p)") {
  torch::manual_seed(1);
  auto p = torch::tensor({0.2, 0.5, 0.9}, torch::kDouble);
  check_moments(dist::Bernoulli(p), p, p * (1 - p));
}

TEST_CASE("Bernoulli: probs and logits forms agree") {
  auto p = torch::tensor({0.2, 0.7}, torch::kDouble);
  auto by_probs = dist::Bernoulli::with_probs(p);
  auto by_logits = dist::Bernoulli::with_logits(p.log() - (-p).log1p());
  auto x = torch::tensor({1.0, 0.0}, torch::kDouble);
  CHECK(torch::allclose(by_probs.log_prob(x), torch::tensor({std::log(0.2), std::log(0.3)}, torch::kDouble)));
  CHECK(torch::allclose(by_logits.log_prob(x), by_probs.log_prob(x)));
  CHECK(torch::allclose(by_logits.probs(), p));
  const double h = -(0.2 * std::log(0.2) + 0.8 * std::log(0.8));
  CHECK(by_probs.entropy()[0].item<double>() == doctest::Approx(h).epsilon(1e-12));
  // Bool and integer observations are converted, not rejected.
  CHECK(torch::allclose(by_probs.log_prob(torch::tensor({true, false})), by_probs.log_prob(x)));
}

TEST_CASE("Bernoulli: bad parameters and values") {
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(1.5); },
                                      {"Bernoulli", "parameter 'probs'", "unit_interval"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli::with_logits(std::nan("")); },
                                      {"Bernoulli", "parameter 'logits'", "real"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(0.5).log_prob(torch::tensor(0.5)); },
                                      {"Bernoulli", "outside the support boolean"});
  check_throws_with<pplx::ValueError>([] { dist::Bernoulli(dist::BernoulliParams{}); },
                                      {"Bernoulli", "exactly one of probs or logits"});
}

TEST_CASE("Bernoulli: expand, to_event and mask shapes") {
  torch::manual_seed(3);
  check_shape_semantics(dist::Bernoulli(torch::full({2, 3}, 0.3)));
}

// pplx follows torch, not the exact -inf: probs exactly 0 or 1 are clamped to [eps, 1 - eps], so
// an impossible outcome scores log(eps) and every loss built on it stays finite (a probability
// that saturates to 1.0 in float32, sigmoid(20), would otherwise stop SVI with an infinite loss).
// The clamp has zero gradient at the boundary, so gradients stay finite too, masked or not.
TEST_CASE("Bernoulli: probs exactly 0 or 1 score log(eps) with finite gradients") {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const double eps =
        dtype == torch::kFloat ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
    auto p = torch::tensor({0.0, 1.0}, dtype).requires_grad_();
    auto d = dist::Bernoulli(p);
    auto impossible = d.log_prob(torch::tensor({1.0, 0.0}, dtype));
    CHECK(torch::allclose(impossible, torch::full({2}, std::log(eps), torch::kDouble).to(dtype)));
    CHECK(impossible[0].item<double>() == doctest::Approx(dtype == torch::kFloat ? -15.9424 : -36.0437).epsilon(1e-4));
    auto certain = d.log_prob(torch::tensor({0.0, 1.0}, dtype));
    CHECK(certain.abs().max().item<double>() <= 2 * eps);
    // Masked or not, the gradient through the clamp is finite (zero at the boundary).
    auto masked = torch::where(torch::tensor({false, true}), impossible, torch::zeros({}, impossible.options()));
    auto g = torch::autograd::grad({impossible.sum() + masked.sum() + certain.sum()}, {p})[0];
    CHECK(torch::isfinite(g).all().item<bool>());
    CHECK(g.abs().max().item<double>() == 0.0);
  }
  // Inside the clamp the log-probability is exact.
  auto small = dist::Bernoulli(torch::tensor(1e-3, torch::kDouble));
  CHECK(small.log_prob(torch::tensor(1.0, torch::kDouble)).item<double>() ==
        doctest::Approx(std::log(1e-3)).epsilon(1e-12));
}

TEST_CASE("Bernoulli: a saturated probability observed at the impossible outcome gives a finite ELBO") {
  pplx::clear_param_store();
  auto model = [] {
    auto p = torch::sigmoid(pplx::param("logit", torch::tensor(20.0f)));  // exactly 1.0 in float32
    pplx::sample("y", dist::Bernoulli(p), torch::tensor(0.0f));
  };
  auto loss = pplx::infer::TraceELBO().differentiable_loss(model, [] {});
  CHECK(loss.item<double>() == doctest::Approx(-std::log(std::numeric_limits<float>::epsilon())).epsilon(1e-5));
  auto g = torch::autograd::grad({loss}, {pplx::get_param_store().get_unconstrained("logit")})[0];
  CHECK(std::isfinite(g.item<double>()));
}
