// SPDX-License-Identifier: Apache-2.0
// Every sampler takes the generator handlers::seed puts on a site; CUDA parameters stay on CUDA.
#include <ATen/CPUGeneratorImpl.h>

#include "distributions/helpers.h"

using namespace pplx_test;

namespace {
std::vector<dist::DistPtr> families(const torch::TensorOptions& o) {
  auto t = [&](std::initializer_list<double> v) { return torch::tensor(at::ArrayRef<double>(v), o); };
  return {
      dist::Normal(t({0.0, 1.0}), t({1.0, 2.0})).clone(),
      dist::LogNormal(t({0.0, 1.0}), t({1.0, 0.5})).clone(),
      dist::HalfNormal(t({1.0, 2.0})).clone(),
      dist::Bernoulli(t({0.3, 0.6})).clone(),
      dist::Categorical(t({0.2, 0.8})).clone(),
      dist::OneHotCategorical(t({0.2, 0.8})).clone(),
      dist::Binomial(t({5.0, 7.0}), t({0.3, 0.6})).clone(),
      dist::Poisson(t({1.0, 4.0})).clone(),
      dist::Beta(t({2.0, 1.0}), t({1.0, 3.0})).clone(),
      dist::Gamma(t({2.0, 0.5}), t({1.0, 3.0})).clone(),
      dist::Exponential(t({1.0, 2.0})).clone(),
      dist::Laplace(t({0.0, 1.0}), t({1.0, 2.0})).clone(),
      dist::Uniform(t({0.0, 1.0}), t({1.0, 3.0})).clone(),
      dist::StudentT(t({3.0, 5.0}), t({0.0, 1.0}), t({1.0, 2.0})).clone(),
      dist::Cauchy(t({0.0, 1.0}), t({1.0, 2.0})).clone(),
      dist::HalfCauchy(t({1.0, 2.0})).clone(),
      dist::Dirichlet(t({1.0, 2.0, 3.0})).clone(),
      dist::MultivariateNormal(t({0.0, 1.0}), torch::eye(2, o)).clone(),
      dist::LowRankMultivariateNormal(t({0.0, 1.0}), torch::ones({2, 1}, o), t({1.0, 1.0})).clone(),
      dist::ScaleMixtureNormal(t({0.0, 1.0}), 1.0, 0.1, 0.5).clone(),
      dist::MixtureSameFamily(dist::Categorical(t({0.5, 0.5})).clone(), dist::Normal(t({0.0, 3.0}), 1.0).clone())
          .clone(),
      dist::TransformedDistribution(dist::Normal(t({0.0, 1.0}), 1.0).clone(), {pplx::transforms::exp()}).clone(),
  };
}
}  // namespace

TEST_CASE("sampling: a seeded generator makes every family reproducible") {
  for (const auto& d : families(torch::TensorOptions().dtype(torch::kDouble))) {
    CAPTURE(d->name());
    auto g1 = at::make_generator<at::CPUGeneratorImpl>(42);
    auto g2 = at::make_generator<at::CPUGeneratorImpl>(42);
    auto a = d->draw({3}, g1);
    auto b = d->draw({3}, g2);
    CHECK(torch::equal(a, b));
    CHECK(a.sizes().vec() == d->extended_shape({3}));
    CHECK(d->support()->check(a).all().item<bool>());
    if (d->has_rsample()) {  // continuous draws from an advanced generator differ
      auto c = d->draw({3}, g1);
      CHECK_FALSE(torch::equal(a, c));
    }
  }
}

TEST_CASE("sampling: CUDA parameters give CUDA samples, log densities and statistics") {
  on_cuda([](torch::Device dev) {
    for (const auto& d : families(torch::TensorOptions().dtype(torch::kFloat).device(dev))) {
      CAPTURE(d->name());
      auto x = d->sample({4});
      CHECK((x.device() == dev));
      CHECK((d->log_prob(x).device() == dev));
      // handlers::seed uses a CPU generator: the draw happens there and moves to the device.
      auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
      CHECK((d->draw({2}, gen).device() == dev));
      try {
        CHECK((d->entropy().device() == dev));
      } catch (const pplx::NotImplementedError&) {
      }
    }
    auto p = dist::Normal(torch::zeros({3}, dev), 1.0);
    CHECK((dist::kl_divergence(p, dist::Normal(torch::ones({3}, dev), 2.0)).device() == dev));
    auto moved = dist::Gamma(torch::ones({2}), 2.0).to(dev);
    CHECK((moved->sample().device() == dev));
  });
}
