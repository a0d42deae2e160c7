// SPDX-License-Identifier: Apache-2.0
// Every term of every estimator is scaled and masked exactly once (issue 12): for a fixed draw, the
// gradient at scale s is s times the gradient at scale 1, whether s comes from a subsampled plate
// or from handlers::scale, for reparameterized and score-function guide sites alike.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/bernoulli.h>
#include <pplx/distributions/normal.h>
#include <pplx/handlers/handlers.h>
#include <pplx/infer/infer.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace h = pplx::handlers;
namespace infer = pplx::infer;

namespace {

enum class Site { reparameterized, score_normal, score_bernoulli };
enum class Scaling { subsample, handler };

const char* to_string(Site s) {
  return s == Site::reparameterized ? "reparameterized Normal"
         : s == Site::score_normal  ? "Normal.with_rsample(false)"
                                    : "Bernoulli";
}

// A local latent z per data point and an observation x ~ N(z, 1), everything inside the plate, so
// that the whole loss is multiplied by the plate's scale. The subsample is always the first n
// points, so the same parameters and data serve every plate size.
struct Problem {
  Site site;
  int64_t n = 3;
  torch::Tensor data = torch::tensor({0.3, -1.2, 2.0}, torch::kDouble);

  void z_and_x(bool model) const {
    at::Tensor z;
    if (site == Site::score_bernoulli) {
      if (model) {
        z = pplx::sample("z", dist::Bernoulli(torch::full({}, 0.3, torch::kDouble)));
      } else {
        auto logit = pplx::param("logit", torch::tensor({0.2, -0.3, 0.5}, torch::kDouble));
        z = pplx::sample("z", dist::Bernoulli::with_logits(logit));
      }
    } else if (model) {
      z = pplx::sample("z", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
    } else {
      auto loc = pplx::param("loc", torch::tensor({0.5, -0.5, 1.0}, torch::kDouble));
      auto scale = pplx::param("scale", torch::full({}, 0.8, torch::kDouble), pplx::constraints::positive);
      dist::Normal q(loc, scale);
      z = pplx::sample("z", site == Site::score_normal ? q.with_rsample(false) : q.clone());
    }
    if (model) pplx::sample("x", dist::Normal(z, 1.0), data);
  }

  // size: the plate's full size (its scale is size / n).
  void run(bool model, int64_t size) const {
    pplx::plate p("data", size, pplx::PlateOptions().subsample(torch::arange(n, torch::kLong)));
    z_and_x(model);
  }
};

// d(loss)/d(unconstrained params) of one evaluation under a fixed seed.
torch::Tensor gradient(infer::ELBO& elbo, const Problem& prob, Scaling how, double s) {
  const int64_t size = how == Scaling::subsample ? static_cast<int64_t>(std::lround(s * prob.n)) : prob.n;
  auto model = [&] {
    if (how == Scaling::handler) {
      auto scaled = h::scale(s);
      prob.run(true, size);
    } else {
      prob.run(true, size);
    }
  };
  auto guide = [&] {
    if (how == Scaling::handler) {
      auto scaled = h::scale(s);
      prob.run(false, size);
    } else {
      prob.run(false, size);
    }
  };
  at::Tensor loss;
  {
    auto seeded = h::seed(7);
    loss = elbo.differentiable_loss(model, guide);
  }
  std::vector<at::Tensor> params;
  for (const char* name : {"loc", "scale", "logit"})
    if (pplx::get_param_store().contains(name)) params.push_back(pplx::get_param_store().get_unconstrained(name));
  auto grads = torch::autograd::grad({loss}, params);
  for (auto& g : grads) g = g.reshape(-1);
  return torch::cat(grads);
}

void check_invariance(infer::ELBO& elbo, Site site) {
  for (Scaling how : {Scaling::subsample, Scaling::handler}) {
    pplx::clear_param_store();
    Problem prob{site};
    const torch::Tensor g1 = gradient(elbo, prob, how, 1.0);
    for (double s : {2.0, 5.0}) {
      const torch::Tensor gs = gradient(elbo, prob, how, s);
      const char* source = how == Scaling::subsample ? " from a subsampled plate" : " from handlers::scale";
      INFO(std::string(to_string(site)) << ", scale " << s << source << ": gradient " << gs << " vs " << s << " x "
                                        << g1);
      CHECK(g1.abs().sum().item<double>() > 1e-3);  // not vacuous
      CHECK(torch::allclose(gs, s * g1, 1e-10, 1e-12));
    }
  }
}

}  // namespace

TEST_CASE("TraceELBO gradients scale linearly with the plate and handler scale") {
  infer::TraceELBO elbo;
  for (Site site : {Site::reparameterized, Site::score_normal, Site::score_bernoulli}) check_invariance(elbo, site);
}

TEST_CASE("TraceELBO with vectorized particles: gradients scale linearly with the scale") {
  // max_plate_nesting given: otherwise the first call would also run the probe that guesses it,
  // which draws from the seeded generator, and the calls would not see the same draws.
  infer::TraceELBO elbo(infer::TraceELBOOptions().num_particles(4).vectorize_particles(true).max_plate_nesting(1));
  for (Site site : {Site::reparameterized, Site::score_normal, Site::score_bernoulli}) check_invariance(elbo, site);
}

TEST_CASE("TraceMeanFieldELBO gradients scale linearly with the plate and handler scale") {
  infer::TraceMeanFieldELBO elbo;
  check_invariance(elbo, Site::reparameterized);
}

// The case: guide z ~ Bernoulli(p = 0.6), model z ~ Bernoulli(0.3), in a plate of size 10
// subsampled to 2 (scale 5). For a draw z, d(loss)/dp = -sum_i 5 (log p(z_i) - log q(z_i)) dlog q(z_i)/dp.
TEST_CASE("score-function gradient of a subsampled Bernoulli matches the analytic value") {
  auto p = torch::tensor(0.6, torch::kDouble).requires_grad_();
  auto model = [] {
    pplx::plate plate("data", 10, pplx::PlateOptions().subsample(torch::tensor({3, 8}, torch::kLong)));
    pplx::sample("z", dist::Bernoulli(torch::full({}, 0.3, torch::kDouble)));
  };
  auto guide = [&] {
    pplx::plate plate("data", 10, pplx::PlateOptions().subsample(torch::tensor({3, 8}, torch::kLong)));
    pplx::sample("z", dist::Bernoulli(p));
  };
  infer::TraceELBO elbo;
  bool saw_mixed_draw = false;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    at::Tensor loss;
    {
      auto seeded = h::seed(seed);
      loss = elbo.differentiable_loss(model, guide);
    }
    const double grad = torch::autograd::grad({loss}, {p})[0].item<double>();
    const auto z = elbo.particles().at(0).guide.at("z").value;
    double expected = 0, expected_loss = 0;
    for (int64_t i = 0; i < 2; ++i) {
      const double zi = z[i].item<double>();
      const double log_r = 5 * (zi == 1 ? std::log(0.3) - std::log(0.6) : std::log(0.7) - std::log(0.4));
      expected -= log_r * (zi == 1 ? 1 / 0.6 : -1 / 0.4);
      expected_loss -= log_r;
    }
    INFO("seed " << seed << ", draw " << z);
    CHECK(loss.item<double>() == doctest::Approx(expected_loss).epsilon(1e-12));
    CHECK(grad == doctest::Approx(expected).epsilon(1e-12));
    if (z[0].item<double>() != z[1].item<double>()) {
      saw_mixed_draw = true;
      CHECK(grad == doctest::Approx(12.771).epsilon(1e-4));  // the value (63.857 before the fix)
    }
  }
  CHECK(saw_mixed_draw);
}

// Pyro's rule: the score function is not masked. A masked-out draw that feeds a downstream site
// still gets the gradient of that site through its log q; only its own terms are masked out.
TEST_CASE("the score function of a masked guide site is not masked") {
  auto p = torch::tensor(0.6, torch::kDouble).requires_grad_();
  auto mask = torch::tensor({true, false});
  const double y = 1.5;
  auto model = [&] {
    at::Tensor z;
    {
      pplx::plate plate("data", 2);
      auto m = h::mask(mask);
      z = pplx::sample("z", dist::Bernoulli(torch::full({}, 0.3, torch::kDouble)));
    }
    pplx::sample("y", dist::Normal(z.sum(), 1.0), torch::tensor(y, torch::kDouble));
  };
  auto guide = [&] {
    pplx::plate plate("data", 2);
    auto m = h::mask(mask);
    pplx::sample("z", dist::Bernoulli(p));
  };
  infer::TraceELBO elbo;
  at::Tensor loss;
  {
    auto seeded = h::seed(3);
    loss = elbo.differentiable_loss(model, guide);
  }
  const double grad = torch::autograd::grad({loss}, {p})[0].item<double>();
  const auto z = elbo.particles().at(0).guide.at("z").value;
  const double zsum = z.sum().item<double>();
  const double log_y = -0.5 * std::log(2 * M_PI) - 0.5 * (y - zsum) * (y - zsum);
  double expected = 0;
  for (int64_t i = 0; i < 2; ++i) {
    const double zi = z[i].item<double>();
    const double own = i == 0 ? (zi == 1 ? std::log(0.3) - std::log(0.6) : std::log(0.7) - std::log(0.4)) : 0.0;
    expected -= (own + log_y) * (zi == 1 ? 1 / 0.6 : -1 / 0.4);
  }
  CHECK(grad == doctest::Approx(expected).epsilon(1e-12));
}

// Trace::log_prob_sum, what custom ELBOs are built from, scales each site once as well.
TEST_CASE("a custom ELBO from Trace::log_prob_sum scales linearly with the plate scale") {
  pplx::clear_param_store();
  Problem prob{Site::reparameterized};
  auto custom_grad = [&](double s) {
    const int64_t size = static_cast<int64_t>(std::lround(s * prob.n));
    pplx::Trace guide_tr, model_tr;
    {
      auto seeded = h::seed(11);
      guide_tr = h::trace([&] { prob.run(false, size); }).get_trace();
    }
    model_tr = h::trace(h::replay([&] { prob.run(true, size); }, guide_tr)).get_trace();
    auto loss = guide_tr.log_prob_sum() - model_tr.log_prob_sum();
    auto& store = pplx::get_param_store();
    auto g = torch::autograd::grad({loss}, {store.get_unconstrained("loc"), store.get_unconstrained("scale")});
    return torch::cat({g[0].reshape(-1), g[1].reshape(-1)});
  };
  const auto g1 = custom_grad(1.0);
  CHECK(torch::allclose(custom_grad(4.0), 4.0 * g1, 1e-10, 1e-12));
}
