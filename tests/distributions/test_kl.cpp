// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "helpers.h"

using namespace pplx_test;

namespace {
// KL(p || q) = E_p[log p(x) - log q(x)]: the closed form must lie within kSigmas standard
// errors of the Monte Carlo estimate.
void check_kl_by_sampling(const dist::Distribution& p, const dist::Distribution& q) {
  REQUIRE(dist::has_kl(p, q));
  auto x = p.sample({kDraws});
  auto diff = (p.log_prob(x) - q.log_prob(x)).to(torch::kDouble);
  check_within("KL", diff.mean(0), dist::kl_divergence(p, q).to(torch::kDouble), (diff.var(0) / kDraws).sqrt());
}
torch::Tensor d64(std::initializer_list<double> v) { return torch::tensor(at::ArrayRef<double>(v), torch::kDouble); }
}  // namespace

TEST_CASE("kl_divergence: Normal/Normal closed form") {
  dist::Normal p(d64({0.0}), 1.0), q(d64({1.0}), 2.0);
  const double expected = std::log(2.0) + (1.0 + 1.0) / (2 * 4.0) - 0.5;
  CHECK(dist::kl_divergence(p, q).item<double>() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("kl_divergence: closed forms agree with Monte Carlo estimates") {
  torch::manual_seed(1);
  SUBCASE("Normal") { check_kl_by_sampling(dist::Normal(d64({0.0, 1.0}), 1.0), dist::Normal(d64({1.0, -1.0}), 2.0)); }
  SUBCASE("LogNormal") { check_kl_by_sampling(dist::LogNormal(d64({0.0}), 0.5), dist::LogNormal(d64({0.3}), 0.8)); }
  SUBCASE("Bernoulli") { check_kl_by_sampling(dist::Bernoulli(d64({0.2, 0.6})), dist::Bernoulli(d64({0.5, 0.3}))); }
  SUBCASE("Categorical") {
    check_kl_by_sampling(dist::Categorical(d64({0.2, 0.3, 0.5})), dist::Categorical(d64({0.4, 0.4, 0.2})));
  }
  SUBCASE("Beta") { check_kl_by_sampling(dist::Beta(d64({2.0}), 3.0), dist::Beta(d64({1.0}), 1.5)); }
  SUBCASE("Gamma") { check_kl_by_sampling(dist::Gamma(d64({2.0}), 1.0), dist::Gamma(d64({3.0}), 2.0)); }
  SUBCASE("Dirichlet") {
    check_kl_by_sampling(dist::Dirichlet(d64({1.0, 2.0, 3.0})), dist::Dirichlet(d64({2.0, 2.0, 2.0})));
  }
  SUBCASE("MultivariateNormal") {
    auto p = dist::MultivariateNormal::with_covariance(d64({0.0, 1.0}),
                                                       torch::tensor({{2.0, 0.5}, {0.5, 1.0}}, torch::kDouble));
    auto q = dist::MultivariateNormal(d64({1.0, 0.0}), torch::tensor({{1.5, 0.0}, {-0.3, 0.8}}, torch::kDouble));
    check_kl_by_sampling(p, q);
  }
  SUBCASE("Exponential") { check_kl_by_sampling(dist::Exponential(d64({2.0})), dist::Exponential(d64({0.5}))); }
  SUBCASE("Laplace") { check_kl_by_sampling(dist::Laplace(d64({0.0}), 1.0), dist::Laplace(d64({1.0}), 2.0)); }
  SUBCASE("Uniform") { check_kl_by_sampling(dist::Uniform(d64({0.0}), 1.0), dist::Uniform(d64({-1.0}), 2.0)); }
  SUBCASE("Independent") {
    auto p = dist::Normal(d64({0.0, 1.0, 2.0}), 1.0).to_event(1);
    auto q = dist::Normal(d64({0.5, 0.5, 0.5}), 1.5).to_event(1);
    check_kl_by_sampling(*p, *q);
  }
}

TEST_CASE("kl_divergence: Independent sums the reinterpreted dims, Masked zeroes masked entries") {
  auto p = dist::Normal(torch::zeros({2, 3}, torch::kDouble), 1.0);
  auto q = dist::Normal(torch::ones({2, 3}, torch::kDouble), 2.0);
  auto base = dist::kl_divergence(p, q);
  CHECK(torch::allclose(dist::kl_divergence(p.to_event(1), q.to_event(1)), base.sum(-1)));
  // Pyro's rule: nested and flat reinterpretations of the same dims agree.
  auto nested = p.to_event(1)->to_event(1);
  CHECK(torch::allclose(dist::kl_divergence(*nested, *q.to_event(2)), base.sum({-2, -1})));
  auto mask = torch::tensor({true, false});
  auto kl_masked = dist::kl_divergence(p.to_event(1)->mask(mask), q.to_event(1)->mask(mask));
  CHECK(torch::allclose(kl_masked, torch::where(mask, base.sum(-1), torch::zeros({}, torch::kDouble))));
}

TEST_CASE("kl_divergence: Uniform is +inf where q does not cover p") {
  dist::Uniform p(d64({0.0, 0.0}), d64({1.0, 1.0})), q(d64({-1.0, 0.5}), d64({2.0, 2.0}));
  auto kl = dist::kl_divergence(p, q);
  CHECK(kl[0].item<double>() == doctest::Approx(std::log(3.0)));
  CHECK(kl[1].item<double>() == std::numeric_limits<double>::infinity());
}

TEST_CASE("kl_divergence: a missing pair throws NotImplementedError naming both, has_kl is false") {
  dist::Gamma p(2.0, 1.0);
  dist::Normal q(0.0, 1.0);
  CHECK_FALSE(dist::has_kl(p, q));
  check_throws_with<pplx::NotImplementedError>([&] { dist::kl_divergence(p, q); }, {"KL(Gamma || Normal)"});
  // Independent pairs are only available when their bases are.
  CHECK_FALSE(dist::has_kl(*p.expand({2})->to_event(1), *q.expand({2})->to_event(1)));
  CHECK(dist::has_kl(*q.expand({2})->to_event(1), *q.expand({2})->to_event(1)));
}

TEST_CASE("kl_divergence: users can register more pairs") {
  dist::register_kl<dist::HalfNormal, dist::Exponential>(
      [](const dist::HalfNormal& p, const dist::Exponential& q) { return p.scale() * 0 + q.rate(); });
  dist::HalfNormal p(torch::ones({2}));
  dist::Exponential q(torch::full({2}, 3.0));
  CHECK(dist::has_kl(p, q));
  CHECK(torch::allclose(dist::kl_divergence(p, q), torch::full({2}, 3.0)));
}
