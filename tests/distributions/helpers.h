// SPDX-License-Identifier: Apache-2.0
// Shared checks for the distribution tests: sample moments against closed forms with tolerances
// from the standard error, reparameterized gradients, error messages, and shape semantics.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/distributions.h>
#include <pplx/error.h>
#include <pplx/validation.h>

namespace dist = pplx::distributions;

namespace pplx_test {

/// Number of draws for moment checks.
constexpr int64_t kDraws = 100000;
/// Tolerance in standard errors: a correct sampler fails a 5-sigma check with probability
/// ~6e-7 per element, and the tests are seeded, so a failure means a real bias.
constexpr double kSigmas = 5.0;

/// Density of N(loc, s^2) at x, for closed-form mixture checks.
inline double normal_pdf(double x, double loc, double s) {
  return std::exp(-0.5 * (x - loc) * (x - loc) / (s * s)) / (s * std::sqrt(2 * M_PI));
}

/// Whether |estimate - expected| <= kSigmas * standard_error elementwise, with a diagnostic.
inline void check_within(const char* what, const torch::Tensor& estimate, const torch::Tensor& expected,
                         const torch::Tensor& standard_error) {
  auto err = (estimate - expected).abs();
  auto ok = (err <= kSigmas * standard_error + 1e-12).all().item<bool>();
  INFO(what << ": estimate " << estimate << "\nexpected " << expected << "\nstandard error " << standard_error);
  CHECK(ok);
}

/// Sample mean and variance of kDraws draws (float64) against `mean` and `variance`. The
/// variance's standard error is estimated from the draws ((x - m)^2 has finite variance when
/// the fourth moment exists, which callers ensure).
inline void check_moments(const dist::Distribution& d, const torch::Tensor& mean, const torch::Tensor& variance) {
  auto x = d.sample({kDraws}).to(torch::kDouble);
  auto m = x.mean(0);
  check_within("sample mean", m, mean.to(torch::kDouble), (x.var(0) / kDraws).sqrt());
  auto sq = (x - m).pow(2);
  auto v = sq.mean(0) * (static_cast<double>(kDraws) / (kDraws - 1));
  check_within("sample variance", v, variance.to(torch::kDouble), (sq.var(0) / kDraws).sqrt());
}

/// The same against the distribution's own mean() and variance() (whose values the conformance
/// tool checks against torch).
inline void check_moments(const dist::Distribution& d) { check_moments(d, d.mean(), d.variance()); }

/// Mean over draws of per-draw gradients `g` (one per element of a replicated parameter) against
/// `expected`, within kSigmas standard errors: tests that a reparameterized gradient is unbiased.
inline void check_gradient_mean(const char* what, const torch::Tensor& g, double expected) {
  auto gd = g.to(torch::kDouble).reshape({-1});
  auto se = (gd.var() / gd.numel()).sqrt();
  check_within(what, gd.mean(), torch::tensor(expected, torch::kDouble), se);
}

/// Runs fn and checks that it throws E whose message contains every one of `parts`.
template <class E, class F>
void check_throws_with(F&& fn, std::initializer_list<const char*> parts) {
  bool threw = false;
  try {
    fn();
  } catch (const E& e) {
    threw = true;
    const std::string what = e.what();
    for (const char* p : parts) {
      INFO("message: " << what << "\nmissing: " << p);
      CHECK(what.find(p) != std::string::npos);
    }
  }
  CHECK_MESSAGE(threw, "expected an exception");
}

/// Shape semantics every family shares: sample/log_prob shapes, expand, to_event and mask.
/// `d` must have a non-empty batch shape.
inline void check_shape_semantics(const dist::Distribution& d) {
  auto batch = d.batch_shape().vec();
  auto event = d.event_shape().vec();
  REQUIRE(!batch.empty());
  auto x = d.sample({5});
  CHECK(x.sizes().vec() == d.extended_shape({5}));
  auto lp = d.log_prob(x);
  std::vector<int64_t> lp_shape{5};
  lp_shape.insert(lp_shape.end(), batch.begin(), batch.end());
  CHECK(lp.sizes().vec() == lp_shape);

  // expand: a new leading batch dim; every element scores like the original.
  std::vector<int64_t> wide{3};
  wide.insert(wide.end(), batch.begin(), batch.end());
  auto e = d.expand(wide);
  CHECK(e->batch_shape().vec() == wide);
  CHECK(e->event_shape().vec() == event);
  CHECK(e->sample().sizes().vec() == e->extended_shape());
  auto lp_wide = e->log_prob(x.unsqueeze(1));
  std::vector<int64_t> lp_wide_shape{5};
  lp_wide_shape.insert(lp_wide_shape.end(), wide.begin(), wide.end());
  CHECK(lp_wide.sizes().vec() == lp_wide_shape);
  CHECK(torch::allclose(lp_wide.select(1, 2), lp));

  // to_event(1): the rightmost batch dim joins the event; log_prob sums over it.
  auto ind = d.to_event(1);
  CHECK(ind->batch_shape().vec() == std::vector<int64_t>(batch.begin(), batch.end() - 1));
  std::vector<int64_t> ind_event{batch.back()};
  ind_event.insert(ind_event.end(), event.begin(), event.end());
  CHECK(ind->event_shape().vec() == ind_event);
  CHECK(torch::allclose(ind->log_prob(x), lp.sum(-1)));

  // mask: log_prob is zero where the mask is false.
  auto mask = torch::arange(batch.back()).remainder(2).eq(0);
  auto masked = d.mask(mask);
  auto lp_masked = masked->log_prob(x);
  CHECK(torch::allclose(lp_masked, torch::where(mask, lp, torch::zeros_like(lp))));

  // to(): float64 parameters give float64 log densities.
  auto d64 = d.to(torch::kFloat64);
  auto lp64 = d64->log_prob(x.to(x.is_floating_point() ? torch::kFloat64 : x.scalar_type()));
  CHECK((lp64.scalar_type() == torch::kFloat64));
}

/// Runs `body(device)` on CUDA when available, else records that the check was skipped.
template <class F>
void on_cuda(F&& body) {
  if (!torch::cuda::is_available()) {
    MESSAGE("CUDA not available: skipped");
    return;
  }
  body(torch::Device(torch::kCUDA, 0));  // with its index: tensors report cuda:0, never plain cuda
}

}  // namespace pplx_test
