// SPDX-License-Identifier: Apache-2.0
// pplx::optim wrappers against Pyro's reference updates (optim.json) and Pyro's semantics.
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/error.h>
#include <pplx/optim/optim.h>

#include "optim/optim_reference.h"

namespace optim = pplx::optim;

namespace {

torch::Tensor make(const std::vector<int64_t>& shape, const std::vector<double>& data) {
  return torch::tensor(data, torch::kDouble).reshape(shape);
}

// Relative 1e-6 with an absolute floor of 1e-9, as the conformance README asks.
void check_close(const torch::Tensor& got, const torch::Tensor& want, const std::string& what) {
  INFO(what << ": got " << got << " want " << want);
  CHECK(got.sizes() == want.sizes());
  CHECK(torch::allclose(got, want, 1e-6, 1e-9));
}

std::unique_ptr<optim::PyroOptim> make_optimizer(const optim_reference::Case& c) {
  auto arg = [&](const char* k, double def) { return c.args.count(k) ? c.args.at(k) : def; };
  optim::ClipOptions clip;
  if (c.clip.count("clip_norm")) clip.clip_norm(c.clip.at("clip_norm"));
  if (c.clip.count("clip_value")) clip.clip_value(c.clip.at("clip_value"));
  if (c.optimizer == "Adam")
    return std::make_unique<optim::Adam>(torch::optim::AdamOptions(arg("lr", 1e-3))
                                             .betas({arg("beta1", 0.9), arg("beta2", 0.999)})
                                             .eps(arg("eps", 1e-8))
                                             .weight_decay(arg("weight_decay", 0)),
                                         clip);
  if (c.optimizer == "SGD")
    return std::make_unique<optim::SGD>(torch::optim::SGDOptions(arg("lr", 0))
                                            .momentum(arg("momentum", 0))
                                            .dampening(arg("dampening", 0))
                                            .weight_decay(arg("weight_decay", 0))
                                            .nesterov(arg("nesterov", 0) != 0),
                                        clip);
  REQUIRE(c.optimizer == "ClippedAdam");
  return std::make_unique<optim::ClippedAdam>(optim::ClippedAdamOptions(arg("lr", 1e-3))
                                                  .betas({arg("beta1", 0.9), arg("beta2", 0.999)})
                                                  .eps(arg("eps", 1e-8))
                                                  .weight_decay(arg("weight_decay", 0))
                                                  .clip_norm(arg("clip_norm", 10.0))
                                                  .lrd(arg("lrd", 1.0)),
                                              clip);
}

}  // namespace

TEST_CASE("optimizers reproduce Pyro's updates and clipping (optim.json)") {
  auto cases = optim_reference::cases();
  REQUIRE(cases.size() == 12);
  for (const auto& c : cases) {
    SUBCASE(c.name.c_str()) {
      auto opt = make_optimizer(c);
      optim::NamedTensors params;
      for (const auto& p : c.params)
        params.emplace_back(p.name, make(p.initial.shape, p.initial.data).requires_grad_());
      for (int k = 0; k < 3; ++k) {
        for (size_t i = 0; i < params.size(); ++i)
          params[i].second.mutable_grad() = make(c.params[i].initial.shape, c.params[i].grads[k]);
        opt->step(params);
        for (size_t i = 0; i < params.size(); ++i) {
          const auto& ref = c.params[i];
          const std::string where = c.name + " param " + ref.name + " step " + std::to_string(k + 1);
          check_close(params[i].second.grad(), make(ref.initial.shape, ref.clipped[k]), where + " clipped grad");
          check_close(params[i].second.detach(), make(ref.initial.shape, ref.after[k]), where + " value");
        }
      }
    }
  }
}

TEST_CASE("a step updates only the parameters it is given (untouched ones keep value and state)") {
  torch::manual_seed(0);
  optim::Adam adam(torch::optim::AdamOptions(0.1));
  auto a = torch::tensor({1.0, 2.0}, torch::kDouble).requires_grad_();
  auto b = torch::tensor({-1.0}, torch::kDouble).requires_grad_();
  auto b_ref = b.detach().clone().requires_grad_();
  torch::optim::Adam reference({b_ref}, torch::optim::AdamOptions(0.1));  // b alone, as if never paused

  const auto gb1 = torch::tensor({0.5}, torch::kDouble), gb2 = torch::tensor({-0.25}, torch::kDouble);
  a.mutable_grad() = torch::ones_like(a);
  b.mutable_grad() = gb1.clone();
  adam.step({{"a", a}, {"b", b}});
  b_ref.mutable_grad() = gb1.clone();
  reference.step();
  const auto b_after_1 = b.detach().clone();

  // Five steps of `a` alone: a shared torch optimizer would keep moving b through its momentum.
  for (int i = 0; i < 5; ++i) {
    a.mutable_grad() = torch::ones_like(a);
    adam.step({{"a", a}});
  }
  CHECK(torch::equal(b.detach(), b_after_1));

  // b's second step uses its own Adam state (step count 1): identical to an optimizer of b alone.
  b.mutable_grad() = gb2.clone();
  adam.step({{"b", b}});
  b_ref.mutable_grad() = gb2.clone();
  reference.step();
  CHECK(torch::allclose(b.detach(), b_ref.detach(), 0, 1e-15));
  CHECK(adam.param_names() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("per-parameter options and clip options") {
  optim::SGD sgd([](const std::string& name) { return torch::optim::SGDOptions(name == "fast" ? 0.5 : 0.01); },
                 [](const std::string& name) {
                   return name == "fast" ? optim::ClipOptions().clip_value(0.3) : optim::ClipOptions();
                 });
  auto fast = torch::zeros({2}, torch::kDouble).requires_grad_();
  auto slow = torch::zeros({2}, torch::kDouble).requires_grad_();
  fast.mutable_grad() = torch::tensor({1.0, -0.1}, torch::kDouble);
  slow.mutable_grad() = torch::tensor({1.0, -0.1}, torch::kDouble);
  sgd.step({{"fast", fast}, {"slow", slow}});
  CHECK(sgd.lr("fast") == 0.5);
  CHECK(sgd.lr("slow") == 0.01);
  // fast: grad clamped to [-0.3, 0.3] then p -= 0.5 g; slow: p -= 0.01 g.
  CHECK(torch::allclose(fast.detach(), torch::tensor({-0.15, 0.05}, torch::kDouble)));
  CHECK(torch::allclose(slow.detach(), torch::tensor({-0.01, 0.001}, torch::kDouble)));
  CHECK_THROWS_AS(sgd.lr("unknown"), pplx::SiteError);
}

TEST_CASE("global_clip_norm bounds the joint gradient norm of a step") {
  optim::SGD sgd(torch::optim::SGDOptions(1.0), optim::ClipOptions().global_clip_norm(1.0));
  auto a = torch::zeros({2}, torch::kDouble).requires_grad_();
  auto b = torch::zeros({1}, torch::kDouble).requires_grad_();
  a.mutable_grad() = torch::tensor({3.0, 0.0}, torch::kDouble);
  b.mutable_grad() = torch::tensor({4.0}, torch::kDouble);
  sgd.step({{"a", a}, {"b", b}});
  const double coef = 1.0 / (5.0 + 1e-6);  // total norm 5
  CHECK(torch::allclose(a.detach(), torch::tensor({-3.0 * coef, 0.0}, torch::kDouble), 0, 1e-15));
  CHECK(torch::allclose(b.detach(), torch::tensor({-4.0 * coef}, torch::kDouble), 0, 1e-15));
  // Per-tensor clip_norm on the same gradients would have scaled a and b separately to norm 1.
  optim::SGD per_tensor(torch::optim::SGDOptions(1.0), optim::ClipOptions().clip_norm(1.0));
  auto c = torch::zeros({2}, torch::kDouble).requires_grad_();
  c.mutable_grad() = torch::tensor({3.0, 0.0}, torch::kDouble);
  per_tensor.step({{"c", c}});
  CHECK(c.detach()[0].item<double>() == doctest::Approx(-3.0 / (3.0 + 1e-6)).epsilon(1e-14));
}

TEST_CASE("invalid options and empty steps throw pplx errors") {
  CHECK_THROWS_AS(optim::Adam(torch::optim::AdamOptions(0.1), optim::ClipOptions().clip_norm(-1.0)), pplx::ValueError);
  CHECK_THROWS_AS(optim::SGD(torch::optim::SGDOptions(0.1), optim::ClipOptions().clip_value(-0.5)), pplx::ValueError);
  CHECK_THROWS_AS(optim::Adam(torch::optim::AdamOptions(-0.1)), pplx::ValueError);
  CHECK_THROWS_AS(optim::Adam(torch::optim::AdamOptions(0.1).betas({1.5, 0.9})), pplx::ValueError);
  CHECK_THROWS_AS(optim::ClippedAdam(optim::ClippedAdamOptions(0.1).lrd(0.0)), pplx::ValueError);
  optim::Adam adam(torch::optim::AdamOptions(0.1));
  CHECK_THROWS_AS(adam.step(optim::NamedTensors{}), pplx::Error);
  CHECK_THROWS_AS(adam.step(pplx::NamedTensors{}), pplx::Error);
  // Global clipping is a property of the whole step: not available per parameter.
  optim::SGD bad([](const std::string&) { return torch::optim::SGDOptions(0.1); },
                 [](const std::string&) { return optim::ClipOptions().global_clip_norm(1.0); });
  auto p = torch::zeros({1}).requires_grad_();
  p.mutable_grad() = torch::ones({1});
  CHECK_THROWS_AS(bad.step({{"p", p}}), pplx::ValueError);
}

TEST_CASE("AdamW, RMSprop and Adagrad wrappers pass their options to LibTorch") {
  auto run = [](optim::PyroOptim& ours, torch::optim::Optimizer& theirs, torch::Tensor& p, torch::Tensor& q) {
    for (int k = 0; k < 4; ++k) {
      auto g = torch::tensor({0.3 * k - 0.5, 1.0 / (k + 1)}, torch::kDouble);
      p.mutable_grad() = g.clone();
      q.mutable_grad() = g.clone();
      ours.step({{"p", p}});
      theirs.step();
    }
    return torch::allclose(p.detach(), q.detach(), 0, 1e-15);
  };
  auto fresh = [] { return torch::tensor({0.2, -0.7}, torch::kDouble).requires_grad_(); };
  {
    auto p = fresh(), q = fresh();
    optim::AdamW ours(torch::optim::AdamWOptions(0.05).weight_decay(0.1));
    torch::optim::AdamW theirs({q}, torch::optim::AdamWOptions(0.05).weight_decay(0.1));
    CHECK(run(ours, theirs, p, q));
    CHECK(!torch::equal(p.detach(), fresh().detach()));
  }
  {
    auto p = fresh(), q = fresh();
    optim::RMSprop ours(torch::optim::RMSpropOptions(0.01).momentum(0.5).centered(true));
    torch::optim::RMSprop theirs({q}, torch::optim::RMSpropOptions(0.01).momentum(0.5).centered(true));
    CHECK(run(ours, theirs, p, q));
  }
  {
    auto p = fresh(), q = fresh();
    optim::Adagrad ours(torch::optim::AdagradOptions(0.1).lr_decay(0.01));
    torch::optim::Adagrad theirs({q}, torch::optim::AdagradOptions(0.1).lr_decay(0.01));
    CHECK(run(ours, theirs, p, q));
  }
}

TEST_CASE("state follows the parameter name when the store replaces its tensor") {
  optim::SGD sgd(torch::optim::SGDOptions(0.1).momentum(0.9));
  auto t1 = torch::zeros({1}, torch::kDouble).requires_grad_();
  t1.mutable_grad() = torch::ones({1}, torch::kDouble);
  sgd.step({{"w", t1}});  // buf = 1, t1 = -0.1
  auto t2 = torch::full({1}, 5.0, torch::kDouble).requires_grad_();
  t2.mutable_grad() = torch::full({1}, 2.0, torch::kDouble);
  sgd.step({{"w", t2}});  // buf = 0.9 * 1 + 2 = 2.9, t2 = 5 - 0.29
  CHECK(t1.item<double>() == doctest::Approx(-0.1));
  CHECK(t2.item<double>() == doctest::Approx(5.0 - 0.29).epsilon(1e-14));
}

TEST_CASE("learning-rate schedulers scale present and future parameters") {
  optim::SGD sgd(torch::optim::SGDOptions(1.0));
  auto a = torch::zeros({1}, torch::kDouble).requires_grad_();
  a.mutable_grad() = torch::ones({1}, torch::kDouble);
  sgd.step({{"a", a}});
  optim::StepLR step_lr(sgd, /*step_size=*/2, /*gamma=*/0.5);
  std::vector<double> lrs;
  for (int e = 0; e < 5; ++e) {
    step_lr.step();
    lrs.push_back(sgd.lr("a"));
  }
  CHECK(lrs == std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.25});
  // A parameter that appears now starts at its initial lr times the current factor.
  auto b = torch::zeros({1}, torch::kDouble).requires_grad_();
  b.mutable_grad() = torch::ones({1}, torch::kDouble);
  sgd.step({{"b", b}});
  CHECK(sgd.lr("b") == 0.25);
  CHECK(b.item<double>() == -0.25);

  optim::Adam adam(torch::optim::AdamOptions(0.2));
  a.mutable_grad() = torch::ones({1}, torch::kDouble);
  adam.step({{"a", a}});
  optim::ExponentialLR exp_lr(adam, 0.9);
  for (int e = 0; e < 3; ++e) exp_lr.step();
  CHECK(adam.lr("a") == doctest::Approx(0.2 * 0.729).epsilon(1e-14));
  CHECK_THROWS_AS(optim::ExponentialLR(adam, -1.0), pplx::ValueError);
  CHECK_THROWS_AS(optim::StepLR(adam, 0, 0.5), pplx::ValueError);

  // ClippedAdam's own decay and a scheduler compose multiplicatively.
  optim::ClippedAdam cadam(optim::ClippedAdamOptions(1.0).lrd(0.5));
  cadam.step({{"a", a}});  // lr 1 -> 0.5
  optim::LambdaLR half(cadam, [](int64_t) { return 0.5; });
  half.step();
  CHECK(cadam.lr("a") == 0.25);
}

TEST_CASE("optimizer state save/load round trip continues bit-identically") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("pplx_optim_state_" + std::to_string(::getpid()) + ".bin")).string();
  auto grad = [](int k, int64_t n) { return torch::linspace(-1.0, 1.0, n, torch::kDouble) * (k + 1) - 0.3 * k; };
  auto run = [&](optim::PyroOptim& o, torch::Tensor& a, torch::Tensor& b, int from, int to) {
    for (int k = from; k < to; ++k) {
      a.mutable_grad() = grad(k, 3);
      b.mutable_grad() = grad(k, 2);
      o.step({{"a", a}, {"b", b}});
    }
  };
  auto init = [] {
    return std::make_pair(torch::tensor({0.1, 0.2, 0.3}, torch::kDouble).requires_grad_(),
                          torch::tensor({-1.0, 1.0}, torch::kDouble).requires_grad_());
  };
  auto [a1, b1] = init();
  optim::ClippedAdam straight(optim::ClippedAdamOptions(0.05).lrd(0.9).clip_norm(1.5));
  run(straight, a1, b1, 0, 5);

  auto [a2, b2] = init();
  optim::ClippedAdam first(optim::ClippedAdamOptions(0.05).lrd(0.9).clip_norm(1.5));
  run(first, a2, b2, 0, 3);
  first.save(path);
  optim::ClippedAdam second(optim::ClippedAdamOptions(0.05).lrd(0.9).clip_norm(1.5));
  second.load(path);  // no parameter seen yet: the state waits for them
  run(second, a2, b2, 3, 5);
  CHECK(torch::equal(a1.detach(), a2.detach()));
  CHECK(torch::equal(b1.detach(), b2.detach()));
  CHECK(second.lr("a") == doctest::Approx(first.lr("a") * 0.81).epsilon(1e-14));

  optim::Adam other(torch::optim::AdamOptions(0.1));
  CHECK_THROWS_AS(other.load(path), pplx::IOError);
  CHECK_THROWS_AS(second.load(path + ".missing"), pplx::IOError);
  std::remove(path.c_str());
}
