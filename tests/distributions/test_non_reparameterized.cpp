// SPDX-License-Identifier: Apache-2.0
// with_rsample(false) (Pyro's has_rsample_(False)): the same density, drawn without a gradient
// through the value, kept through expand, to_event, mask and plates.
#include <pplx/handlers/trace.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

#include "helpers.h"

using namespace pplx_test;

TEST_CASE("with_rsample(false): same density and shapes, no rsample, draws without gradient") {
  torch::manual_seed(0);
  auto loc = torch::tensor({0.5, -1.0}, torch::kDouble).requires_grad_();
  dist::Normal base(loc, 2.0);
  auto off = base.with_rsample(false);
  CHECK_FALSE(off->has_rsample());
  CHECK(off->name() == "Normal");
  CHECK(off->batch_shape() == base.batch_shape());
  CHECK(off->event_shape() == base.event_shape());
  auto x = torch::tensor({0.1, 0.2}, torch::kDouble);
  CHECK(torch::equal(off->log_prob(x), base.log_prob(x)));
  CHECK(torch::allclose(off->mean(), base.mean()));
  CHECK(torch::allclose(off->entropy(), base.entropy()));
  CHECK_FALSE(off->draw().requires_grad());
  CHECK(base.draw().requires_grad());
  CHECK_THROWS_AS(off->rsample(), pplx::NotImplementedError);
  // The log-density still carries the parameter's gradient (what the score function needs).
  CHECK(off->log_prob(x).requires_grad());
  check_moments(*off, base.mean(), base.variance());
}

TEST_CASE("with_rsample(false) survives expand, to_event, mask and plates and with_rsample(true) undoes it") {
  auto off = dist::Normal(torch::zeros({3}), 1.0).with_rsample(false);
  CHECK_FALSE(off->expand({4, 3})->has_rsample());
  CHECK(off->expand({4, 3})->batch_shape() == torch::IntArrayRef({4, 3}));
  CHECK_FALSE(off->to_event(1)->has_rsample());
  CHECK_FALSE(off->mask(torch::tensor({true, false, true}))->has_rsample());
  CHECK_FALSE(off->to(torch::kDouble)->has_rsample());
  auto on = off->with_rsample(true);
  CHECK(on->has_rsample());
  CHECK(on->draw().sizes() == torch::IntArrayRef({3}));
  CHECK_FALSE(off->with_rsample(false)->has_rsample());
  CHECK(dist::Normal(0.0, 1.0).with_rsample(true)->has_rsample());
  auto tr = pplx::handlers::trace([&] {
              pplx::plate p("p", 5, pplx::PlateOptions().dim(-2));
              pplx::sample("z", off);
            }).get_trace();
  CHECK_FALSE(tr.at("z").fn->has_rsample());
  CHECK(tr.at("z").fn->batch_shape() == torch::IntArrayRef({5, 3}));
}

TEST_CASE("with_rsample on distributions without rsample, and KL of a switched-off distribution") {
  dist::Bernoulli b(0.3);
  CHECK_FALSE(b.with_rsample(false)->has_rsample());
  check_throws_with<pplx::NotImplementedError>([&] { b.with_rsample(true); },
                                               {"with_rsample(true)", "Bernoulli", "no reparameterized sampler"});
  dist::Normal p(0.5, 2.0), q(0.0, 1.0);
  CHECK(dist::has_kl(p.with_rsample(false), q.clone()));
  CHECK(torch::allclose(dist::kl_divergence(p.with_rsample(false), q.clone()), dist::kl_divergence(p, q)));
}
