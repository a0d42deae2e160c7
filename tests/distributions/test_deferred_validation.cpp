// SPDX-License-Identifier: Apache-2.0
// DeferredValidation: inside a scope, checks queue device-side verdicts instead of reading them;
// the owner reads them with one guard(), reruns them on the host to name a failure, and remembers
// what passed.
#include <cmath>
#include <limits>

#include "helpers.h"

#include <pplx/distributions/deferred_validation.h>
#include <pplx/distributions/detail/validated.h>

using namespace pplx_test;
using pplx::distributions::DeferredValidation;

TEST_CASE(
    "deferred validation: a bad parameter does not throw at once, guard() is NaN, the rerun throws the same error") {
  const std::string direct = [] {
    try {
      dist::Normal(0.0, torch::full({3}, -1.0));
    } catch (const pplx::ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  DeferredValidation deferred;
  REQUIRE(deferred.owns());
  CHECK_NOTHROW(dist::Normal(0.0, torch::full({3}, -1.0)));
  auto loss = torch::tensor(1.5);
  CHECK(std::isnan(deferred.guard(loss).item<double>()));
  std::string rerun;
  try {
    deferred.raise_first_failure();
  } catch (const pplx::ValueError& e) {
    rerun = e.what();
  }
  CHECK(rerun == direct);
}

TEST_CASE("deferred validation: the first failure in queue order is the one raised, passing checks return") {
  DeferredValidation deferred;
  dist::Normal(0.0, torch::ones({2}));                          // passes
  dist::Exponential(1.0).log_prob(torch::tensor({-1.0, 2.0}));  // fails first
  dist::Normal(0.0, torch::full({2}, -1.0));                    // fails second
  check_throws_with<pplx::ValueError>([&] { deferred.raise_first_failure(); }, {"Exponential", "outside the support"});

  DeferredValidation clean;  // joins nothing: the first scope was the owner and is still alive
  CHECK_FALSE(clean.owns());
}

TEST_CASE("deferred validation: passing tensors are remembered on commit, not before") {
  auto scale = torch::full({3}, 2.0);
  {
    DeferredValidation deferred;
    dist::Normal(torch::zeros({3}), scale);
    CHECK_FALSE(dist::detail::known_valid(scale, pplx::constraints::positive));
    CHECK(deferred.guard(torch::tensor(0.5)).item<double>() == 0.5);
    deferred.commit();
  }
  CHECK(dist::detail::known_valid(scale, pplx::constraints::positive));
  // A scope that ends without commit remembers nothing.
  auto other = torch::full({3}, 3.0);
  {
    DeferredValidation deferred;
    dist::Normal(torch::zeros({3}), other);
  }
  CHECK_FALSE(dist::detail::known_valid(other, pplx::constraints::positive));
}

TEST_CASE("deferred validation: NaN-only checks queue no verdict, the NaN they guard against reaches the value") {
  auto loc = torch::tensor({0.0, std::numeric_limits<double>::quiet_NaN()});
  auto one = torch::ones({});
  dist::Normal(0.0, one);  // checked before the scope begins: remembered
  DeferredValidation deferred;
  dist::Normal(loc, one);  // `real` rejects only NaN
  auto value = torch::tensor(2.0);
  CHECK(deferred.guard(value).is_same(value));  // nothing to combine: no extra op
  // The NaN makes the density NaN; a caller that then reruns the checks gets the parameter error.
  CHECK(std::isnan(dist::Normal(loc, one).log_prob(torch::zeros({2})).sum().item<double>()));
  check_throws_with<pplx::ValueError>([&] { deferred.raise_first_failure(); }, {"Normal", "'loc'", "real"});
}

TEST_CASE("deferred validation: a tensor checked twice in a scope is queued once") {
  DeferredValidation deferred;
  auto s = torch::full({4}, 0.5);
  // Three positive checks of one tensor: one verdict, so guard adds a single where().
  dist::Normal(0.0, s);
  dist::Normal(1.0, s);
  dist::LogNormal(0.0, 1.0).log_prob(s);
  CHECK(deferred.guard(torch::tensor(1.0)).item<double>() == 1.0);
  s.fill_(-1.0);  // a new version is a new check
  dist::Normal(0.0, s);
  CHECK(std::isnan(deferred.guard(torch::tensor(1.0)).item<double>()));
}

TEST_CASE("deferred validation: numbers given as parameters are one remembered tensor, not a check per step") {
  auto a = dist::Normal(0.0, 2.5);
  auto b = dist::Normal(0.0, 2.5);
  CHECK(a.scale().is_same(b.scale()));
  CHECK(dist::detail::known_valid(a.scale(), pplx::constraints::positive));
  // Changed in place, a cached number is not handed out again.
  torch::NoGradGuard g;
  const_cast<torch::Tensor&>(a.scale()).fill_(7.0);
  auto c = dist::Normal(0.0, 2.5);
  CHECK(c.scale().item<double>() == 2.5);
  CHECK_FALSE(c.scale().is_same(a.scale()));
}

TEST_CASE("deferred validation: observed labels are checked once, although each step builds a new support") {
  // Categorical's support is a new integer_interval at every call; validation's memory
  // recognises the equal set (Constraint::same_as), so constant labels cost no verdict after
  // the first step that passed.
  auto labels = torch::tensor({0, 3, 9});
  auto logits = torch::zeros({3, 10});
  {
    DeferredValidation step1;
    dist::Categorical::with_logits(logits).log_prob(labels);
    auto loss = torch::tensor(1.0);
    CHECK_FALSE(step1.guard(loss).is_same(loss));  // the labels' verdict is queued
    CHECK(step1.read(loss) == 1.0);
  }
  DeferredValidation step2;
  auto d = dist::Categorical::with_logits(logits);
  CHECK(dist::detail::known_valid(labels, d.support()));
  d.log_prob(labels);
  auto loss = torch::tensor(1.0);
  CHECK(step2.guard(loss).is_same(loss));  // nothing queued: guard returns the loss itself
}

TEST_CASE("deferred validation: constants stay remembered through many steps of new tensors") {
  // Every step checks new tensors (draws, locs after an update) that need no verdict; were they
  // remembered, they would push the labels out of the memory and the labels would be checked
  // again every few steps.
  auto labels = torch::tensor({0, 3, 9});
  auto logits = torch::zeros({3, 10});
  for (int step = 0; step < 50; ++step) {
    DeferredValidation deferred;
    for (int site = 0; site < 8; ++site) dist::Normal(torch::randn({2}), 1.0).log_prob(torch::randn({2}));
    dist::Categorical::with_logits(logits).log_prob(labels);
    auto loss = torch::tensor(1.0);
    if (step > 0) CHECK(deferred.guard(loss).is_same(loss));
    deferred.read(loss);
  }
}
