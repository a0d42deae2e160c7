// SPDX-License-Identifier: Apache-2.0
// PyroOptim::graph_safe_step (the update a CUDA graph captures) against step(): the same numbers
// for Adam, AdamW, SGD and ClippedAdam, a masked step that changes nothing, and step counts and
// learning rates that survive save/load, schedulers and switching between the two forms.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/error.h>
#include <pplx/optim/optim.h>

namespace optim = pplx::optim;

namespace {

using Make = std::function<std::unique_ptr<optim::PyroOptim>()>;

struct Params {
  torch::Tensor a = torch::tensor({0.1, -0.2, 0.3}, torch::kDouble).requires_grad_();
  torch::Tensor b = torch::tensor({-1.0, 1.0}, torch::kDouble).requires_grad_();
  optim::NamedTensors named() const { return {{"a", a}, {"b", b}}; }
};

// Gradients that change sign and size from step to step, so that every moment matters.
void set_grads(Params& p, int k) {
  p.a.mutable_grad() = torch::linspace(-1.0, 1.0, 3, torch::kDouble) * (k + 1) - 0.3 * k;
  p.b.mutable_grad() = torch::tensor({0.5 * k - 1.0, std::sin(static_cast<double>(k))}, torch::kDouble);
}

torch::Tensor yes() { return torch::ones({}, torch::kBool); }
torch::Tensor no() { return torch::zeros({}, torch::kBool); }

void check_same(const Params& got, const Params& want, const std::string& what) {
  INFO(what << ": a " << got.a << " vs " << want.a << ", b " << got.b << " vs " << want.b);
  CHECK(torch::allclose(got.a, want.a, 1e-12, 1e-14));
  CHECK(torch::allclose(got.b, want.b, 1e-12, 1e-14));
}

// `steps` updates with step() against one step() and then graph_safe_step(): same parameters.
void check_matches_step(const std::string& what, const Make& make, int steps = 7) {
  Params ref, graph;
  auto ref_opt = make();
  auto graph_opt = make();
  REQUIRE(graph_opt->supports_graph_safe_step());
  for (int k = 0; k < steps; ++k) {
    set_grads(ref, k);
    ref_opt->step(ref.named());
    set_grads(graph, k);
    if (k == 0) graph_opt->step(graph.named());  // creates the state
    else graph_opt->graph_safe_step(graph.named(), yes());
  }
  check_same(graph, ref, what);
  CHECK(graph_opt->lr("a") == doctest::Approx(ref_opt->lr("a")).epsilon(1e-14));
}

std::string temp_path(const std::string& tag) {
  return (std::filesystem::temp_directory_path() /
          ("pplx_graph_safe_" + tag + "_" + std::to_string(::getpid()) + ".bin"))
      .string();
}

}  // namespace

TEST_CASE("graph_safe_step computes what step() computes, for every optimizer that has it") {
  check_matches_step("Adam", [] { return std::make_unique<optim::Adam>(torch::optim::AdamOptions(0.05)); });
  check_matches_step("Adam with weight decay and amsgrad", [] {
    return std::make_unique<optim::Adam>(
        torch::optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.1).amsgrad(true));
  });
  check_matches_step("Adam with clipping", [] {
    return std::make_unique<optim::Adam>(torch::optim::AdamOptions(0.05),
                                         optim::ClipOptions().clip_norm(0.7).clip_value(0.9).global_clip_norm(1.5));
  });
  check_matches_step("AdamW", [] {
    return std::make_unique<optim::AdamW>(torch::optim::AdamWOptions(0.05).weight_decay(0.2).amsgrad(true));
  });
  check_matches_step("SGD", [] { return std::make_unique<optim::SGD>(torch::optim::SGDOptions(0.1)); });
  check_matches_step("SGD with momentum, dampening and weight decay", [] {
    return std::make_unique<optim::SGD>(torch::optim::SGDOptions(0.1).momentum(0.9).dampening(0.2).weight_decay(0.05));
  });
  check_matches_step("SGD with Nesterov momentum", [] {
    return std::make_unique<optim::SGD>(torch::optim::SGDOptions(0.1).momentum(0.8).nesterov(true));
  });
  check_matches_step("ClippedAdam", [] {
    return std::make_unique<optim::ClippedAdam>(
        optim::ClippedAdamOptions(0.05).clip_norm(1.2).lrd(0.9).weight_decay(0.01));
  });
  check_matches_step(
      "Adam, many steps", [] { return std::make_unique<optim::Adam>(torch::optim::AdamOptions(0.01)); }, 60);
}

TEST_CASE("graph_safe_step leaves parameters, state and counts alone where apply is false") {
  for (const bool clipped : {false, true}) {
    CAPTURE(clipped);
    auto make = [&]() -> std::unique_ptr<optim::PyroOptim> {
      if (clipped) return std::make_unique<optim::ClippedAdam>(optim::ClippedAdamOptions(0.05).lrd(0.9));
      return std::make_unique<optim::Adam>(torch::optim::AdamOptions(0.05).amsgrad(true));
    };
    Params ref, graph;
    auto ref_opt = make(), graph_opt = make();
    int k = 0;
    for (; k < 3; ++k) {
      set_grads(ref, k);
      ref_opt->step(ref.named());
      set_grads(graph, k);
      if (k == 0) graph_opt->step(graph.named());
      else graph_opt->graph_safe_step(graph.named(), yes());
    }
    // A skipped step: NaN gradients (a non-finite loss's) must not leak into anything.
    const auto a_before = graph.a.detach().clone();
    graph.a.mutable_grad() = torch::full({3}, std::numeric_limits<double>::quiet_NaN(), torch::kDouble);
    graph.b.mutable_grad() = torch::ones({2}, torch::kDouble);
    graph_opt->graph_safe_step(graph.named(), no());
    CHECK(torch::equal(graph.a.detach(), a_before));
    // Continuing as if that step never happened matches the reference that never took it.
    for (; k < 6; ++k) {
      set_grads(ref, k);
      ref_opt->step(ref.named());
      set_grads(graph, k);
      graph_opt->graph_safe_step(graph.named(), yes());
    }
    check_same(graph, ref, "after a skipped step");
    CHECK(graph_opt->lr("a") == doctest::Approx(ref_opt->lr("a")).epsilon(1e-14));
  }
}

TEST_CASE("step counts and learning rates move between host and device: save/load, schedulers, step()") {
  const std::string path = temp_path("state");
  auto make = [] { return std::make_unique<optim::ClippedAdam>(optim::ClippedAdamOptions(0.05).lrd(0.9)); };
  Params ref, graph;
  auto ref_opt = make();
  for (int k = 0; k < 10; ++k) {
    set_grads(ref, k);
    ref_opt->step(ref.named());
    if (k == 5) ref_opt->set_lr_factor(0.5);
  }

  auto first = make();
  for (int k = 0; k < 4; ++k) {
    set_grads(graph, k);
    if (k == 0) first->step(graph.named());
    else first->graph_safe_step(graph.named(), yes());
  }
  first->save(path);  // reads the device step counts and the decayed learning rates back
  auto second = make();
  second->load(path);
  set_grads(graph, 4);
  second->step(graph.named());  // host step from the loaded counts
  set_grads(graph, 5);
  second->graph_safe_step(graph.named(), yes());
  second->set_lr_factor(0.5);  // reads back, scales on the host, uploads before the next step
  for (int k = 6; k < 10; ++k) {
    set_grads(graph, k);
    if (k == 7) second->step(graph.named());
    else second->graph_safe_step(graph.named(), yes());
  }
  check_same(graph, ref, "through save/load, a scheduler and mixed steps");
  CHECK(second->lr("a") == doctest::Approx(ref_opt->lr("a")).epsilon(1e-14));
  std::remove(path.c_str());

  // An Adam step count saved after graph-safe steps continues bit for bit in a plain Adam.
  Params p1, p2;
  optim::Adam adam_ref(torch::optim::AdamOptions(0.1)), adam_graph(torch::optim::AdamOptions(0.1));
  for (int k = 0; k < 5; ++k) {
    set_grads(p1, k);
    adam_ref.step(p1.named());
    set_grads(p2, k);
    if (k == 0) adam_graph.step(p2.named());
    else adam_graph.graph_safe_step(p2.named(), yes());
  }
  adam_graph.save(path);
  optim::Adam adam_loaded(torch::optim::AdamOptions(0.1));
  adam_loaded.load(path);
  adam_ref.save(path + ".ref");
  optim::Adam adam_ref_loaded(torch::optim::AdamOptions(0.1));
  adam_ref_loaded.load(path + ".ref");
  for (int k = 5; k < 8; ++k) {
    set_grads(p1, k);
    adam_ref_loaded.step(p1.named());
    set_grads(p2, k);
    adam_loaded.step(p2.named());
  }
  check_same(p2, p1, "Adam after save/load");
  std::remove(path.c_str());
  std::remove((path + ".ref").c_str());
}

TEST_CASE("state_generation changes exactly when state tensors are created or replaced") {
  optim::Adam adam(torch::optim::AdamOptions(0.1));
  Params p;
  const uint64_t g0 = adam.state_generation();
  set_grads(p, 0);
  adam.step(p.named());
  const uint64_t g1 = adam.state_generation();
  CHECK(g1 != g0);
  for (int k = 1; k < 3; ++k) {
    set_grads(p, k);
    adam.step(p.named());
    adam.graph_safe_step(p.named(), yes());
  }
  CHECK(adam.state_generation() == g1);
  adam.set_lr_factor(0.5);
  CHECK(adam.state_generation() == g1);  // a learning rate is not a tensor a graph holds
  // The store replaced the tensor behind "a": its state moves to the new tensor.
  auto a2 = p.a.detach().clone().requires_grad_();
  a2.mutable_grad() = torch::ones({3}, torch::kDouble);
  adam.graph_safe_step({{"a", a2}, {"b", p.b}}, yes());
  CHECK(adam.state_generation() != g1);
  const uint64_t g2 = adam.state_generation();
  const std::string path = temp_path("generation");
  adam.save(path);
  adam.load(path);
  CHECK(adam.state_generation() != g2);
  std::remove(path.c_str());
}

TEST_CASE("graph_safe_step refuses what it cannot do on the device") {
  Params p;
  set_grads(p, 0);
  optim::RMSprop rmsprop(torch::optim::RMSpropOptions(0.1));
  CHECK_FALSE(rmsprop.supports_graph_safe_step());
  CHECK_THROWS_AS(rmsprop.graph_safe_step(p.named(), yes()), pplx::Error);
  optim::Adagrad adagrad(torch::optim::AdagradOptions(0.1));
  CHECK_FALSE(adagrad.supports_graph_safe_step());

  optim::Adam adam(torch::optim::AdamOptions(0.1));
  CHECK(adam.supports_graph_safe_step());
  // Never stepped: its state does not exist yet, and creating it is host work.
  CHECK_THROWS_WITH_AS(adam.graph_safe_step(p.named(), yes()), doctest::Contains("step()"), pplx::Error);
  adam.step(p.named());
  CHECK_THROWS_AS(adam.graph_safe_step(p.named(), torch::ones({}, torch::kFloat)), pplx::ValueError);
  CHECK_THROWS_AS(adam.graph_safe_step(p.named(), torch::ones({2}, torch::kBool)), pplx::ValueError);
  CHECK_THROWS_AS(adam.graph_safe_step({}, yes()), pplx::Error);
  // A parameter that had no gradient at its first step has no state: an error names it, and
  // nothing was updated.
  optim::Adam fresh(torch::optim::AdamOptions(0.1));
  Params q;
  q.a.mutable_grad() = torch::ones({3}, torch::kDouble);
  fresh.step(q.named());  // "b" has no gradient: no state
  set_grads(q, 1);
  const auto a_before = q.a.detach().clone();
  CHECK_THROWS_WITH_AS(fresh.graph_safe_step(q.named(), yes()), doctest::Contains("'b'"), pplx::Error);
  CHECK(torch::equal(q.a.detach(), a_before));
}
