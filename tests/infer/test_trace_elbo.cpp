// SPDX-License-Identifier: Apache-2.0
// TraceELBO and TraceMeanFieldELBO against closed forms.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/bernoulli.h>
#include <pplx/distributions/delta.h>
#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/handlers/handlers.h>
#include <pplx/infer/infer.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace infer = pplx::infer;

namespace {

// z ~ N(0, 1), x ~ N(z, sigma) observed; guide q(z) = N(m, s) with fixed m, s.
constexpr double kX = 0.7, kSigma = 0.8, kM = 0.3, kS = 0.6;

void model() {
  auto z = pplx::sample("z", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
  pplx::sample("x", dist::Normal(z, kSigma), torch::tensor(kX, torch::kDouble));
}
void guide() { pplx::sample("z", dist::Normal(torch::tensor(kM, torch::kDouble), kS)); }

// E_q[log p(x|z) + log p(z) - log q(z)] in closed form.
double exact_elbo() {
  const double log2pi = std::log(2 * M_PI);
  const double lik =
      -0.5 * std::log(2 * M_PI * kSigma * kSigma) - ((kX - kM) * (kX - kM) + kS * kS) / (2 * kSigma * kSigma);
  const double prior = -0.5 * log2pi - (kM * kM + kS * kS) / 2;
  const double entropy = 0.5 * std::log(2 * M_PI * M_E * kS * kS);
  return lik + prior + entropy;
}

// Per-particle ELBO terms of a vectorized evaluation (shape [num_particles]).
torch::Tensor particle_elbos(const infer::ELBO& elbo) {
  const auto& p = elbo.particles().at(0);
  torch::Tensor total = torch::zeros({}, torch::kDouble);
  for (const auto& s : p.model)
    if (s.type == pplx::SiteType::sample) total = total + s.log_prob;
  for (const auto& s : p.guide)
    if (s.type == pplx::SiteType::sample) total = total - s.log_prob;
  return total;
}

}  // namespace

TEST_CASE("TraceELBO of a fixed guide equals the closed form within Monte Carlo error") {
  torch::manual_seed(1);
  const int64_t n = 20000;
  infer::TraceELBO elbo(infer::TraceELBOOptions().num_particles(n).vectorize_particles(true));
  const double loss = elbo.loss(model, guide);
  torch::Tensor per = particle_elbos(elbo);
  REQUIRE(per.sizes() == torch::IntArrayRef{n});
  CHECK(loss == doctest::Approx(-per.mean().item<double>()).epsilon(1e-12));
  const double se = per.std().item<double>() / std::sqrt(static_cast<double>(n));
  MESSAGE("fixed guide: loss " << loss << ", closed form " << -exact_elbo() << ", standard error " << se);
  CHECK(std::abs(loss + exact_elbo()) < 4 * se);
  CHECK(se < 0.02);  // the check above is not vacuous
}

TEST_CASE("TraceELBO with a particle loop and with vectorized particles estimate the same value") {
  torch::manual_seed(2);
  infer::TraceELBO looped(infer::TraceELBOOptions().num_particles(2000));
  const double a = looped.loss(model, guide);
  CHECK(looped.particles().size() == 2000);
  infer::TraceELBO single;
  double sum = 0;
  for (int i = 0; i < 2000; ++i) sum += single.loss(model, guide);
  // Both average 2000 draws of a quantity with sd ~ 0.7: their difference is ~0.02 at most 4 sd.
  CHECK(std::abs(a + exact_elbo()) < 0.07);
  CHECK(std::abs(sum / 2000 + exact_elbo()) < 0.07);
}

TEST_CASE("TraceMeanFieldELBO and TraceELBO agree in expectation (loss and gradient)") {
  torch::manual_seed(3);
  pplx::clear_param_store();
  auto param_guide = [] {
    auto m = pplx::param("m", torch::tensor(kM, torch::kDouble));
    auto s = pplx::param("s", torch::tensor(kS, torch::kDouble), pplx::constraints::positive);
    pplx::sample("z", dist::Normal(m, s));
  };
  infer::TraceMeanFieldELBO mean_field;
  const double analytic = mean_field.loss(model, param_guide);
  const int64_t n = 20000;
  infer::TraceELBO trace_elbo(infer::TraceELBOOptions().num_particles(n).vectorize_particles(true));
  infer::TraceMeanFieldELBO mean_field_n(infer::TraceMeanFieldELBOOptions().num_particles(n).vectorize_particles(true));
  auto grads = [&](infer::ELBO& elbo) {
    auto loss = elbo.differentiable_loss(model, param_guide);
    auto& store = pplx::get_param_store();
    auto g = torch::autograd::grad({loss}, {store.get_unconstrained("m"), store.get_unconstrained("s")});
    return std::make_pair(loss.item<double>(), torch::stack(g));
  };
  const auto trace_result = grads(trace_elbo);
  const auto mf_result = grads(mean_field_n);
  const double l_trace = trace_result.first, l_mf = mf_result.first;
  const torch::Tensor g_trace = trace_result.second, g_mf = mf_result.second;
  CHECK(l_trace == doctest::Approx(-exact_elbo()).epsilon(0.02));
  CHECK(l_mf == doctest::Approx(-exact_elbo()).epsilon(0.01));
  CHECK(std::isfinite(analytic));
  // d(-ELBO)/dm = -(x - m)/sigma^2 + m; d(-ELBO)/d log s = s^2/sigma^2 + s^2 - 1.
  torch::Tensor exact =
      torch::tensor({-(kX - kM) / (kSigma * kSigma) + kM, kS * kS / (kSigma * kSigma) + kS * kS - 1}, torch::kDouble);
  MESSAGE("TraceELBO loss " << l_trace << " grad " << g_trace.view(-1) << "; TraceMeanFieldELBO loss " << l_mf
                            << " grad " << g_mf.view(-1) << "; exact " << -exact_elbo() << " " << exact.view(-1));
  CHECK(torch::allclose(g_trace, exact, 0, 0.03));
  CHECK(torch::allclose(g_mf, exact, 0, 0.03));
}

TEST_CASE("score-function gradient of a Bernoulli latent is unbiased") {
  torch::manual_seed(4);
  pplx::clear_param_store();
  // z ~ Bernoulli(0.3); x ~ N(2z, 1) observed at 2.5; guide z ~ Bernoulli(sigmoid(theta)).
  const double x = 2.5, prior = 0.3, theta0 = -1.0;
  auto bern_model = [&] {
    auto z = pplx::sample("z", dist::Bernoulli(torch::full({}, prior, torch::kDouble)));
    pplx::sample("x", dist::Normal(2.0 * z, 1.0), torch::tensor(x, torch::kDouble));
  };
  auto bern_guide = [&] {
    auto theta = pplx::param("theta", torch::tensor(theta0, torch::kDouble));
    pplx::sample("z", dist::Bernoulli(torch::sigmoid(theta)));
  };
  // Exact -ELBO(theta) by enumerating z in {0, 1}, differentiated by autograd.
  auto theta = torch::tensor(theta0, torch::kDouble).requires_grad_();
  auto q1 = torch::sigmoid(theta);
  auto log_lik = [&](double z) { return -0.5 * std::log(2 * M_PI) - 0.5 * (x - 2 * z) * (x - 2 * z); };
  auto exact_loss = -(q1 * (std::log(prior) + log_lik(1) - torch::log(q1)) +
                      (1 - q1) * (std::log(1 - prior) + log_lik(0) - torch::log(1 - q1)));
  const double exact_grad = torch::autograd::grad({exact_loss}, {theta})[0].item<double>();

  const int64_t n = 40000;
  infer::TraceELBO elbo(infer::TraceELBOOptions().num_particles(n).vectorize_particles(true));
  auto loss = elbo.differentiable_loss(bern_model, bern_guide);
  const double grad =
      torch::autograd::grad({loss}, {pplx::get_param_store().get_unconstrained("theta")})[0].item<double>();
  MESSAGE("score-function gradient " << grad << ", exact " << exact_grad);
  CHECK(loss.item<double>() == doctest::Approx(exact_loss.item<double>()).epsilon(0.02));
  // Per-particle score terms have sd ~ 2; the mean of 40000 has sd ~ 0.01. The exact gradient is
  // -0.62: dropping the score term (which leaves no gradient for theta at all) would fail.
  CHECK(std::abs(grad - exact_grad) < 0.04);
  CHECK(exact_grad < -0.5);
}

TEST_CASE("model/guide mismatches name the site") {
  auto extra_guide = [] {
    pplx::sample("z", dist::Normal(0.0, 1.0));
    pplx::sample("w", dist::Normal(0.0, 1.0));
  };
  infer::TraceELBO elbo;
  try {
    elbo.loss(model, extra_guide);
    FAIL("expected a SiteError");
  } catch (const pplx::SiteError& e) {
    CHECK(std::string(e.what()).find("'w'") != std::string::npos);
  }
  auto empty_guide = [] {};
  CHECK_THROWS_AS(elbo.loss(model, empty_guide), pplx::SiteError);  // strict replay: z missing
  CHECK_THROWS_AS(infer::TraceELBO(infer::TraceELBOOptions().num_particles(0)), pplx::ValueError);
  infer::TraceMeanFieldELBO mf;
  auto bernoulli_guide = [] { pplx::sample("z", dist::Bernoulli(torch::full({}, 0.5, torch::kDouble))); };
  auto bernoulli_model = [] { pplx::sample("z", dist::Bernoulli(torch::full({}, 0.5, torch::kDouble))); };
  CHECK_THROWS_AS(mf.loss(bernoulli_model, bernoulli_guide), pplx::NotImplementedError);
}

TEST_CASE("plates, subsampling and handlers::scale enter the loss as Pyro's scale factors") {
  // Closed form with fixed latents via Delta guides: loss = -(sum of scaled model log-densities).
  auto data = torch::tensor({0.5, -1.0, 2.0, 0.0}, torch::kDouble);
  auto idx = torch::tensor({2, 0}, torch::kLong);
  auto scaled_model = [&] {
    auto mu = pplx::sample("mu", dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
    auto s = pplx::handlers::scale(0.5);
    pplx::plate p("data", 4, pplx::PlateOptions().subsample(idx));
    pplx::sample("x", dist::Normal(mu, 1.0), p.subsample(data));
  };
  auto delta_guide = [] { pplx::sample("mu", dist::Delta(torch::tensor(0.25, torch::kDouble))); };
  infer::TraceELBO elbo;
  const double loss = elbo.loss(scaled_model, delta_guide);
  auto normal_lp = [](double v, double m) { return -0.5 * std::log(2 * M_PI) - 0.5 * (v - m) * (v - m); };
  const double expected = -(normal_lp(0.25, 0) + 0.5 * (4.0 / 2.0) * (normal_lp(2.0, 0.25) + normal_lp(0.5, 0.25)));
  CHECK(loss == doctest::Approx(expected).epsilon(1e-12));
}
