// SPDX-License-Identifier: Apache-2.0
// MultiOptimizer: step(loss, params) and routing by name or predicate.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/error.h>
#include <pplx/optim/optim.h>

namespace optim = pplx::optim;

namespace {
struct Fixture {
  torch::Tensor a = torch::tensor({1.0, 2.0}, torch::kDouble).requires_grad_();
  torch::Tensor net_w = torch::tensor({0.5}, torch::kDouble).requires_grad_();
  torch::Tensor net_b = torch::tensor({-0.5}, torch::kDouble).requires_grad_();
  // d loss / d a = [3, -1], d loss / d net_w = 2, d loss / d net_b = 4.
  torch::Tensor loss() const {
    return (a * torch::tensor({3.0, -1.0}, torch::kDouble)).sum() + 2.0 * net_w.sum() + 4.0 * net_b.sum();
  }
  optim::NamedTensors params() const { return {{"a", a}, {"net$$$w", net_w}, {"net$$$b", net_b}}; }
};
bool starts_with_net(const std::string& n) { return n.rfind("net$$$", 0) == 0; }
}  // namespace

TEST_CASE_FIXTURE(Fixture, "MixedMultiOptimizer routes each parameter to its optimizer") {
  optim::MixedMultiOptimizer mixed;
  mixed.add({"a"}, optim::SGD(torch::optim::SGDOptions(0.1)))
      .add(starts_with_net, optim::SGD(torch::optim::SGDOptions(0.01)));
  mixed.step(loss(), params());
  CHECK(torch::allclose(a.detach(), torch::tensor({1.0 - 0.3, 2.0 + 0.1}, torch::kDouble), 0, 1e-15));
  CHECK(net_w.item<double>() == doctest::Approx(0.5 - 0.02).epsilon(1e-15));
  CHECK(net_b.item<double>() == doctest::Approx(-0.5 - 0.04).epsilon(1e-15));
  // Gradients are consumed, not left behind.
  CHECK(!a.grad().defined());
}

TEST_CASE_FIXTURE(Fixture, "Pyro's list form and PyroMultiOptimizer") {
  auto sgd = std::make_shared<optim::PyroMultiOptimizer>(optim::SGD(torch::optim::SGDOptions(1.0)));
  auto adam = std::make_shared<optim::PyroMultiOptimizer>(optim::Adam(torch::optim::AdamOptions(0.1)));
  optim::MixedMultiOptimizer mixed({{{"a"}, sgd}, {{"net$$$w", "net$$$b"}, adam}});
  mixed.step(loss(), params());
  CHECK(torch::allclose(a.detach(), torch::tensor({-2.0, 3.0}, torch::kDouble)));
  // Adam's first step moves every coordinate by lr (times g / (|g| + eps)).
  CHECK(net_w.item<double>() == doctest::Approx(0.4).epsilon(1e-6));
  CHECK(net_b.item<double>() == doctest::Approx(-0.6).epsilon(1e-6));
  CHECK(adam->optim().param_names() == std::vector<std::string>{"net$$$w", "net$$$b"});
}

TEST_CASE_FIXTURE(Fixture, "routing mistakes are errors, not silently untrained parameters") {
  auto sgd = [] { return std::make_shared<optim::PyroMultiOptimizer>(optim::SGD(torch::optim::SGDOptions(0.1))); };
  optim::MixedMultiOptimizer only_a;
  only_a.add({"a"}, sgd());
  CHECK_THROWS_AS(only_a.step(loss(), params()), pplx::ValueError);  // net$$$w has no optimizer

  optim::MixedMultiOptimizer twice;
  twice.add({"a"}, sgd());
  CHECK_THROWS_AS(twice.add({"a"}, sgd()), pplx::ValueError);

  optim::MixedMultiOptimizer overlapping;
  overlapping.add({"net$$$w"}, sgd()).add(starts_with_net, sgd()).add({"a"}, sgd());
  CHECK_THROWS_AS(overlapping.step(loss(), params()), pplx::ValueError);

  optim::MixedMultiOptimizer missing;
  missing.add({"a", "c"}, sgd()).add(starts_with_net, sgd());
  CHECK_THROWS_AS(missing.step(loss(), params()), pplx::SiteError);
  CHECK(torch::equal(a.detach(), torch::tensor({1.0, 2.0}, torch::kDouble)));  // nothing moved
}
