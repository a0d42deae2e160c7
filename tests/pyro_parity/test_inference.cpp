// SPDX-License-Identifier: Apache-2.0
// Port of pyro-ppl/pyro — tests/infer/test_inference.py: the conjugate SVI tests with Trace_ELBO
// and TraceMeanField_ELBO (NormalNormalTests, TestFixedModelGuide, PoissonGammaTests,
// test_exponential_gamma, BernoulliBetaTests, SafetyTests), with Pyro's models, initial values,
// optimizers and tolerances, plus LogNormalNormalTests from the same file before Pyro commit
// 2c0c155 (2018), which removed them. Not ported: Renyi, RWS, MMD, tail-adaptive, energy distance,
// TraceGraph/TraceEnum, ShapeAugmentedGamma (rsvi) and the stable reparameterizer: pplx has none.
// Pyro's fits are unseeded; here each fit seeds LibTorch so a failure reproduces.
// Step counts: where a fit meets Pyro's tolerance long before Pyro's step count, fewer steps are
// used: at least twice the last step at which the tolerance was still violated (checked every 100
// steps, seeds 0, 1 and 2), as each test says. Fits that converge slowly (the score-function ones
// and the transformed distribution) keep Pyro's counts (each under 6 s on the 2-core development
// machine) and are in the doctest test suite "slow" (CTest label "slow"): `ctest -LE slow` or
// `pplx_test_pyro_parity -tse=slow` leaves them out.
#include <cmath>

#include "pyro_parity/parity.h"

namespace dist = pplx::distributions;
namespace infer = pplx::infer;
using parity::adam;
using parity::assert_equal;
using parity::param_abs_error;
using parity::param_mse;

namespace {

// Pyro's fakes.NonreparameterizedX: the same distribution with rsample switched off.
dist::DistPtr maybe_nonreparam(const dist::Distribution& d, bool reparameterized) {
  return d.with_rsample(reparameterized);
}

// --- NormalNormalTests ---------------------------------------------------------------------------

struct NormalNormal {
  torch::Tensor lam0 = torch::tensor({0.1, 0.1});  // precision of prior
  torch::Tensor loc0 = torch::tensor({0.0, 0.5});  // prior mean
  torch::Tensor lam = torch::tensor({6.0, 4.0});   // known precision of observation noise
  torch::Tensor data = torch::tensor({{-0.1, 0.3}, {0.00, 0.4}, {0.20, 0.5}, {0.10, 0.7}});
  double n_data = 4;
  torch::Tensor analytic_lam_n = lam0 + n_data * lam;
  torch::Tensor analytic_log_sig_n = -0.5 * torch::log(analytic_lam_n);
  torch::Tensor analytic_loc_n = data.sum(0) * (lam / analytic_lam_n) + loc0 * (lam0 / analytic_lam_n);

  template <class Loss>
  void do_elbo_test(bool reparameterized, int n_steps, Loss loss) {
    pplx::clear_param_store();
    auto model = [&] {
      auto loc_latent = pplx::sample("loc_latent", dist::Normal(loc0, torch::pow(lam0, -0.5)).to_event(1));
      pplx::plate p("data", 4);
      pplx::sample("obs", dist::Normal(loc_latent, torch::pow(lam, -0.5)).to_event(1), data);
    };
    auto guide = [&] {
      auto loc_q = pplx::param("loc_q", analytic_loc_n + 0.134);
      auto log_sig_q = pplx::param("log_sig_q", analytic_log_sig_n - 0.14);
      pplx::sample("loc_latent",
                   maybe_nonreparam(dist::Normal(loc_q, torch::exp(log_sig_q)), reparameterized)->to_event(1));
    };
    infer::SVI svi(model, guide, adam(0.001), loss);
    const double loc_error_0 = (analytic_loc_n + 0.134 - analytic_loc_n).pow(2).sum().item<double>();
    for (int k = 0; k < n_steps; ++k) svi.step();
    const double loc_error = param_mse("loc_q", analytic_loc_n);
    const double log_sig_error = param_mse("log_sig_q", analytic_log_sig_n);
    INFO("loc mse " << loc_error << " (start " << loc_error_0 << "), log_sig mse " << log_sig_error);
    CHECK(loc_error <= 0.05);  // Pyro's prec
    CHECK(log_sig_error <= 0.05);
    // Pyro's start already lies within prec (mse 0.036 and 0.039): also demand that the fit got
    // closer, so the test says something about the gradients.
    CHECK(loc_error < loc_error_0 / 4);
    CHECK(log_sig_error < 0.14 * 0.14 * 2 / 4);
  }
};

}  // namespace

// Within tolerance from step 500 on (seeds 0-2): 1500 steps instead of Pyro's 5000.
TEST_CASE("NormalNormalTests.test_elbo_reparameterized") {
  torch::manual_seed(0);
  NormalNormal().do_elbo_test(true, 1500, infer::TraceELBO());
}

// Within tolerance from step 500 on (seeds 0-2): 1500 steps instead of Pyro's 3000.
TEST_CASE("NormalNormalTests.test_elbo_analytic_kl") {
  torch::manual_seed(0);
  NormalNormal().do_elbo_test(true, 1500, infer::TraceMeanFieldELBO());
}

TEST_CASE("NormalNormalTests.test_elbo_nonreparameterized" * doctest::test_suite("slow")) {
  torch::manual_seed(0);
  NormalNormal().do_elbo_test(false, 15000, infer::TraceELBO());
}

// --- TestFixedModelGuide -------------------------------------------------------------------------

namespace {

// Runs 3 SVI steps with lr 0 for the fixed part(s); returns whether nothing fixed moved.
bool do_test_fixedness(bool model_fixed, bool guide_fixed) {
  pplx::clear_param_store();
  const auto data = torch::tensor({2.0});
  const auto alpha_q_log_0 = 0.17 * torch::ones({1}), beta_q_log_0 = 0.19 * torch::ones({1});
  const auto alpha_p_log_0 = 0.11 * torch::ones({1}), beta_p_log_0 = 0.13 * torch::ones({1});
  auto model = [&] {
    auto alpha_p = torch::exp(pplx::param("alpha_p_log", alpha_p_log_0.clone()));
    auto beta_p = torch::exp(pplx::param("beta_p_log", beta_p_log_0.clone()));
    auto lambda_latent = pplx::sample("lambda_latent", dist::Gamma(alpha_p, beta_p));
    pplx::sample("obs", dist::Poisson(lambda_latent), data);
  };
  auto guide = [&] {
    auto alpha_q = torch::exp(pplx::param("alpha_q_log", alpha_q_log_0.clone()));
    auto beta_q = torch::exp(pplx::param("beta_q_log", beta_q_log_0.clone()));
    pplx::sample("lambda_latent", dist::Gamma(alpha_q, beta_q));
  };
  auto per_param_args = [=](const std::string& name) {
    const bool is_model = name.find("p_") != std::string::npos, is_guide = name.find("q_") != std::string::npos;
    return torch::optim::AdamOptions((model_fixed && is_model) || (guide_fixed && is_guide) ? 0.0 : 0.01);
  };
  infer::SVI svi(model, guide, pplx::optim::Adam(per_param_args), infer::TraceELBO());
  for (int i = 0; i < 3; ++i) svi.step();
  auto& store = pplx::get_param_store();
  const bool model_unchanged =
      torch::equal(store.get("alpha_p_log"), alpha_p_log_0) && torch::equal(store.get("beta_p_log"), beta_p_log_0);
  const bool guide_unchanged =
      torch::equal(store.get("alpha_q_log"), alpha_q_log_0) && torch::equal(store.get("beta_q_log"), beta_q_log_0);
  const bool error = (model_fixed && !model_unchanged) || (guide_fixed && !guide_unchanged);
  // pplx's addition: what is free does move.
  if (!model_fixed) CHECK_FALSE(model_unchanged);
  if (!guide_fixed) CHECK_FALSE(guide_unchanged);
  return !error;
}

}  // namespace

TEST_CASE("TestFixedModelGuide.test_model_fixed") {
  torch::manual_seed(0);
  CHECK(do_test_fixedness(true, false));
}
TEST_CASE("TestFixedModelGuide.test_guide_fixed") {
  torch::manual_seed(0);
  CHECK(do_test_fixedness(false, true));
}
TEST_CASE("TestFixedModelGuide.test_guide_and_model_both_fixed") {
  torch::manual_seed(0);
  CHECK(do_test_fixedness(true, true));
}
TEST_CASE("TestFixedModelGuide.test_guide_and_model_free") {
  torch::manual_seed(0);
  CHECK(do_test_fixedness(false, false));
}

// --- PoissonGammaTests ---------------------------------------------------------------------------

namespace {

void poisson_gamma_test(bool reparameterized, int n_steps) {
  pplx::clear_param_store();
  const auto alpha0 = torch::tensor(1.0), beta0 = torch::tensor(1.0);
  const auto data = torch::tensor({1.0, 2.0, 3.0});
  const auto alpha_n = alpha0 + data.sum(0), beta_n = beta0 + 3.0;
  auto model = [&] {
    auto lambda_latent = pplx::sample("lambda_latent", maybe_nonreparam(dist::Gamma(alpha0, beta0), reparameterized));
    pplx::plate p("data", 3);
    pplx::sample("obs", dist::Poisson(lambda_latent), data);
  };
  auto guide = [&] {
    auto alpha_q = pplx::param("alpha_q", alpha_n + std::exp(0.17), pplx::constraints::positive);
    auto beta_q = pplx::param("beta_q", beta_n / std::exp(0.143), pplx::constraints::positive);
    pplx::sample("lambda_latent", maybe_nonreparam(dist::Gamma(alpha_q, beta_q), reparameterized));
  };
  infer::SVI svi(model, guide, adam(0.0002, 0.97, 0.999), infer::TraceELBO());
  for (int k = 0; k < n_steps; ++k) svi.step();
  assert_equal(pplx::get_param_store().get("alpha_q"), alpha_n, 0.2, "alpha_q");
  assert_equal(pplx::get_param_store().get("beta_q"), beta_n, 0.15, "beta_q");
}

}  // namespace

// Within tolerance from step 1900 on (seeds 0-2): 4000 steps instead of Pyro's 10000.
TEST_CASE("PoissonGammaTests.test_elbo_reparameterized") {
  torch::manual_seed(0);
  poisson_gamma_test(true, 4000);
}

TEST_CASE("PoissonGammaTests.test_elbo_nonreparameterized" * doctest::test_suite("slow")) {
  torch::manual_seed(0);
  poisson_gamma_test(false, 25000);
}

// --- test_exponential_gamma ----------------------------------------------------------------------

namespace {

void exponential_gamma_test(bool reparameterized, int n_steps) {
  pplx::clear_param_store();
  const auto alpha0 = torch::tensor(1.0), beta0 = torch::tensor(1.0);
  const auto data = torch::tensor({3.0, 2.0});
  const auto alpha_n = alpha0 + 2.0, beta_n = beta0 + data.sum();
  const double prec = reparameterized ? 0.2 : 0.25;
  auto model = [&] {
    auto lambda_latent = pplx::sample("lambda_latent", maybe_nonreparam(dist::Gamma(alpha0, beta0), reparameterized));
    pplx::plate p("data", 2);
    pplx::sample("obs", dist::Exponential(lambda_latent), data);
  };
  auto guide = [&] {
    auto alpha_q = pplx::param("alpha_q", alpha_n * std::exp(0.17), pplx::constraints::positive);
    auto beta_q = pplx::param("beta_q", beta_n / std::exp(0.143), pplx::constraints::positive);
    pplx::sample("lambda_latent", maybe_nonreparam(dist::Gamma(alpha_q, beta_q), reparameterized));
  };
  infer::SVI svi(model, guide, adam(0.0003, 0.97, 0.999),
                 infer::TraceELBO(infer::TraceELBOOptions().max_plate_nesting(1)));
  for (int k = 0; k < n_steps; ++k) svi.step();
  assert_equal(pplx::get_param_store().get("alpha_q"), alpha_n, prec, "alpha_q");
  assert_equal(pplx::get_param_store().get("beta_q"), beta_n, prec, "beta_q");
}

}  // namespace

// Within tolerance from step 1400 on (seeds 0-2): 3000 steps instead of Pyro's 5000.
TEST_CASE("test_exponential_gamma reparam Trace_ELBO") {
  torch::manual_seed(0);
  exponential_gamma_test(true, 3000);
}

TEST_CASE("test_exponential_gamma nonreparam Trace_ELBO" * doctest::test_suite("slow")) {
  torch::manual_seed(0);
  exponential_gamma_test(false, 10000);
}

// --- BernoulliBetaTests --------------------------------------------------------------------------

namespace {

void bernoulli_beta_test(bool reparameterized, int n_steps, infer::TraceELBO loss) {
  pplx::clear_param_store();
  const auto alpha0 = torch::tensor(1.0), beta0 = torch::tensor(1.0);
  const auto data = torch::tensor({0.0, 1.0, 1.0, 1.0});
  const auto alpha_n = alpha0 + data.sum(), beta_n = beta0 - data.sum() + 4.0;
  const auto log_alpha_n = torch::log(alpha_n), log_beta_n = torch::log(beta_n);
  auto model = [&] {
    auto p_latent = pplx::sample("p_latent", maybe_nonreparam(dist::Beta(alpha0, beta0), reparameterized));
    pplx::plate p("data", 4);
    pplx::sample("obs", dist::Bernoulli(p_latent), data);
  };
  auto guide = [&] {
    auto alpha_q = torch::exp(pplx::param("alpha_q_log", log_alpha_n + 0.17));
    auto beta_q = torch::exp(pplx::param("beta_q_log", log_beta_n - 0.143));
    pplx::sample("p_latent", maybe_nonreparam(dist::Beta(alpha_q, beta_q), reparameterized));
  };
  infer::SVI svi(model, guide, adam(0.001, 0.97, 0.999), loss);
  for (int k = 0; k < n_steps; ++k) svi.step();
  const double alpha_error = param_abs_error("alpha_q_log", log_alpha_n);
  const double beta_error = param_abs_error("beta_q_log", log_beta_n);
  INFO("alpha error " << alpha_error << ", beta error " << beta_error);
  CHECK(alpha_error <= 0.08);
  CHECK(beta_error <= 0.08);
}

infer::TraceELBO vectorized() {
  return infer::TraceELBO(infer::TraceELBOOptions().num_particles(2).vectorize_particles(true).max_plate_nesting(1));
}

}  // namespace

// Within tolerance from step 400 on (seeds 0-2): 1000 steps instead of Pyro's 10000.
TEST_CASE("BernoulliBetaTests.test_elbo_reparameterized") {
  torch::manual_seed(0);
  bernoulli_beta_test(true, 1000, infer::TraceELBO());
}

// Within tolerance from step 1200 on (seeds 0-2): 2500 steps instead of Pyro's 10000.
TEST_CASE("BernoulliBetaTests.test_elbo_nonreparameterized") {
  torch::manual_seed(0);
  bernoulli_beta_test(false, 2500, infer::TraceELBO());
}

// Within tolerance from step 200 on (seeds 0-2): 1000 steps instead of Pyro's 5000.
TEST_CASE("BernoulliBetaTests.test_elbo_reparameterized_vectorized") {
  torch::manual_seed(0);
  bernoulli_beta_test(true, 1000, vectorized());
}

// Within tolerance from step 600 on (seeds 0-2): 1500 steps instead of Pyro's 5000.
TEST_CASE("BernoulliBetaTests.test_elbo_nonreparameterized_vectorized") {
  torch::manual_seed(0);
  bernoulli_beta_test(false, 1500, vectorized());
}

// --- LogNormalNormalTests (Pyro before commit 2c0c155) -------------------------------------------

namespace {

struct LogNormalNormal {
  torch::Tensor mu0 = torch::tensor(1.0);   // normal prior hyperparameter
  torch::Tensor tau0 = torch::tensor(1.0);  // normal prior hyperparameter
  torch::Tensor tau = torch::tensor(2.5);   // known precision of the observation likelihood
  torch::Tensor data = torch::tensor({1.5, 2.2});
  torch::Tensor tau_n = tau0 + 2.0 * tau;
  torch::Tensor mu_n = (mu0 * tau0 + tau * torch::sum(torch::log(data))) / tau_n;
  torch::Tensor log_mu_n = torch::log(mu_n), log_tau_n = torch::log(tau_n);

  void guide(bool reparameterized) const {
    auto mu_q = torch::exp(pplx::param("mu_q_log", log_mu_n + 0.17));
    auto tau_q = torch::exp(pplx::param("tau_q_log", log_tau_n - 0.143));
    pplx::sample("mu_latent", maybe_nonreparam(dist::Normal(mu_q, torch::pow(tau_q, -0.5)), reparameterized));
  }

  void fit(const std::function<void()>& model, bool reparameterized, int n_steps, double prec) const {
    pplx::clear_param_store();
    auto g = [&] { guide(reparameterized); };
    infer::SVI svi(model, g, adam(0.0005, 0.96, 0.999), infer::TraceELBO());
    for (int k = 0; k < n_steps; ++k) svi.step();
    const double mu_error = param_abs_error("mu_q_log", log_mu_n);
    const double tau_error = param_abs_error("tau_q_log", log_tau_n);
    INFO("mu error " << mu_error << ", tau error " << tau_error);
    CHECK(mu_error <= prec);
    CHECK(tau_error <= prec);
  }

  void do_elbo_test(bool reparameterized, int n_steps) const {
    auto model = [&] {
      auto mu_latent = pplx::sample("mu_latent", dist::Normal(mu0, torch::pow(tau0, -0.5)));
      pplx::plate p("iarange", 2);
      pplx::sample("obs", dist::LogNormal(mu_latent, torch::pow(tau, -0.5)), data);
    };
    fit(model, reparameterized, n_steps, 0.07);
  }
};

}  // namespace

// Within tolerance from step 3500 on (seeds 0-2): 7000 steps instead of Pyro's 12000.
TEST_CASE("LogNormalNormalTests.test_elbo_reparameterized") {
  torch::manual_seed(0);
  LogNormalNormal().do_elbo_test(true, 7000);
}

TEST_CASE("LogNormalNormalTests.test_elbo_nonreparameterized" * doctest::test_suite("slow")) {
  torch::manual_seed(0);
  LogNormalNormal().do_elbo_test(false, 15000);
}

// Within tolerance from step 5700 on (seeds 0-2): Pyro's 12001 steps are kept.
TEST_CASE("LogNormalNormalTests.test_elbo_with_transformed_distribution" * doctest::test_suite("slow")) {
  torch::manual_seed(0);
  LogNormalNormal t;
  // Pyro's AffineExp(scale, loc): x -> exp(loc + scale x) on a standard Normal.
  auto model = [&] {
    auto mu_latent = pplx::sample("mu_latent", dist::Normal(t.mu0, torch::pow(t.tau0, -0.5)));
    dist::TransformedDistribution x_dist(
        dist::Normal(torch::zeros({1}), torch::ones({1})).clone(),
        {pplx::transforms::affine(mu_latent, torch::pow(t.tau, -0.5)), pplx::transforms::exp()});
    pplx::plate p("data", 2);
    pplx::sample("obs", x_dist, t.data);
  };
  t.fit(model, true, 12001, 0.05);
}

// --- SafetyTests ---------------------------------------------------------------------------------

namespace {

void safety_guide() {
  auto p = pplx::param("p", torch::ones({1}));
  pplx::sample("loc_q", dist::Normal(torch::zeros({1}), p));
  pplx::sample("loc_q_2", dist::Normal(torch::zeros({1}), p));
}

}  // namespace

TEST_CASE("SafetyTests.test_duplicate_names") {
  pplx::clear_param_store();
  auto model_dup = [] {
    pplx::param("loc_q", torch::ones({1}));
    pplx::sample("loc_q", dist::Normal(torch::zeros({1}), torch::ones({1})));
  };
  infer::SVI svi(model_dup, safety_guide, adam(0.001), infer::TraceELBO());
  CHECK_THROWS_AS(svi.step(), pplx::SiteError);  // Pyro: RuntimeError
}

// Pyro only warns about a guide site the model lacks; pplx refuses it (a SiteError naming the
// site), because a guide draw no model site scores is almost always a misspelt name.
TEST_CASE("SafetyTests.test_extra_samples (pplx raises where Pyro warns)") {
  pplx::clear_param_store();
  auto model = [] { pplx::sample("loc_q", dist::Normal(torch::zeros({1}), torch::ones({1}))); };
  infer::SVI svi(model, safety_guide, adam(0.001), infer::TraceELBO());
  CHECK_THROWS_WITH_AS(svi.step(), doctest::Contains("'loc_q_2'"), pplx::SiteError);
}

TEST_CASE("SafetyTests.test_duplicate_obs_name") {
  pplx::clear_param_store();
  auto model_obs_dup = [] {
    pplx::sample("loc_q", dist::Normal(torch::zeros({1}), torch::ones({1})));
    pplx::sample("loc_q", dist::Normal(torch::zeros({1}), torch::ones({1})), torch::zeros({1}));
  };
  infer::SVI svi(model_obs_dup, safety_guide, adam(0.001), infer::TraceELBO());
  CHECK_THROWS_AS(svi.step(), pplx::SiteError);  // Pyro: RuntimeError
}
