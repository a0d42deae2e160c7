// SPDX-License-Identifier: Apache-2.0
// The copies random_module computes with: reused only while no one else can see them, refreshed
// to what a fresh clone would be, and bound to the draws without copying a weight.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <thread>

#include <c10/core/InferenceMode.h>

#include <pplx/module_copies.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

namespace {

torch::nn::Sequential small_net() {
  torch::manual_seed(0);
  return torch::nn::Sequential(torch::nn::Linear(3, 4), torch::nn::ReLU(), torch::nn::Linear(4, 2));
}

torch::nn::Sequential draw_net(const torch::nn::Sequential& net, const std::string& name = "net") {
  return pplx::random_module(name, net, dist::Normal(0.0, 1.0));
}

// x * weight: autograd saves the weight tensor itself (a Linear saves a view of it instead).
struct ScaleImpl : torch::nn::Cloneable<ScaleImpl> {
  ScaleImpl() { reset(); }
  void reset() override { weight = register_parameter("weight", torch::ones({2})); }
  torch::Tensor forward(const torch::Tensor& x) { return x * weight; }
  torch::Tensor weight;
};
TORCH_MODULE(Scale);

// Scale holds nothing pplx cannot see: its copies may be reused (declared once, for every test).
const bool scale_reusable = (pplx::allow_copy_reuse<ScaleImpl>(), true);

torch::Tensor first_weight(torch::nn::Sequential net) { return net[0]->as<torch::nn::Linear>()->weight; }

}  // namespace

TEST_CASE("module copies: a copy nobody holds is handed out again, and draws consume nothing but their normals") {
  auto net = small_net();
  const void* first = draw_net(net).ptr().get();  // the holder dies at the end of the statement
  const void* second = draw_net(net).ptr().get();
  CHECK(first == second);
  // Module::clone() re-initialises every parameter from the default generator; random_module
  // puts its state back, so the draws are exactly the generator's next standard normals, for a
  // fresh copy (another name) as for a reused one.
  for (const char* name : {"net", "fresh"}) {
    torch::manual_seed(7);
    auto w = first_weight(draw_net(net, name)).clone();
    torch::manual_seed(7);
    CHECK(torch::equal(w, torch::randn({4, 3})));
  }
  CHECK(net->parameters()[0].is_leaf());  // the caller's module is never bound
}

TEST_CASE("module copies: a held copy, a held parameter or a live graph is never rebound") {
  auto net = small_net();
  SUBCASE("the copy itself, e.g. kept as a posterior sample") {
    auto kept = draw_net(net);
    auto values = first_weight(kept).clone();
    auto next = draw_net(net);
    CHECK(next.ptr() != kept.ptr());
    CHECK(torch::equal(first_weight(kept), values));
  }
  SUBCASE("one of its parameters") {
    torch::Tensor w = first_weight(draw_net(net));
    auto values = w.clone();
    draw_net(net);
    CHECK(torch::equal(w, values));
  }
  SUBCASE("a detached alias shares only the storage, which binding never writes") {
    const void* first = nullptr;
    torch::Tensor alias;
    {
      auto copy = draw_net(net);
      first = copy.ptr().get();
      alias = first_weight(copy).detach();
    }
    auto values = alias.clone();
    auto next = draw_net(net);
    CHECK(next.ptr().get() == first);  // reused
    CHECK(torch::equal(alias, values));
    CHECK_FALSE(torch::equal(first_weight(next), values));
  }
  SUBCASE("an autograd graph that still saves the weights") {
    pplx::clear_param_store();
    Scale scale;
    auto guide = [] {
      auto loc = pplx::param("w_loc", torch::tensor({0.5, -1.0}));
      pplx::sample("scale$$$weight", dist::Normal(loc, 0.5).to_event(1));
    };
    auto model = [&](const torch::Tensor& x) {
      return pplx::random_module("scale", scale, dist::Normal(0.0, 1.0))->forward(x);
    };
    auto g1 = h::trace(guide).get_trace(), g2 = h::trace(guide).get_trace();
    auto x1 = torch::tensor({1.0, 2.0}, torch::requires_grad()), x2 = torch::tensor({3.0, 5.0});
    auto out1 = h::replay(model, g1)(x1);  // its graph needs the first draw for d out1 / d x1
    auto out2 = h::replay(model, g2)(x2);
    (out1 + out2).sum().backward();
    CHECK(torch::allclose(x1.grad(), g1.at("scale$$$weight").value));
    CHECK(torch::allclose(pplx::get_param_store().get_unconstrained("w_loc").grad(), torch::tensor({4.0, 7.0})));
  }
}

TEST_CASE("module copies: a reused copy has the original's training flags, buffers and frozen parameters now") {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(2, 3), torch::nn::BatchNorm1d(3));
  auto x = torch::randn({8, 2});
  auto running_mean = [](torch::nn::Sequential s) { return s[1]->as<torch::nn::BatchNorm1d>()->running_mean; };
  const void* first = nullptr;
  {
    auto copy = draw_net(net);
    first = copy.ptr().get();
    copy->forward(x);  // training mode: updates the copy's running statistics only
    CHECK(running_mean(copy).abs().sum().item<double>() > 0);
  }
  CHECK(running_mean(net).abs().sum().item<double>() == 0);
  {
    auto copy = draw_net(net);
    CHECK(copy.ptr().get() == first);
    CHECK(running_mean(copy).abs().sum().item<double>() == 0);  // not carried over from the last call
  }
  net->eval();
  net[0]->as<torch::nn::Linear>()->weight.requires_grad_(false);
  {
    torch::NoGradGuard no_grad;
    first_weight(net).fill_(0.25);
  }
  auto tr = h::trace([&] {
              auto copy = draw_net(net);
              CHECK(copy.ptr().get() == first);
              for (const auto& m : copy->modules()) CHECK_FALSE(m->is_training());
              CHECK(torch::equal(first_weight(copy), torch::full({3, 2}, 0.25)));
              CHECK_FALSE(first_weight(copy).requires_grad());
            }).get_trace();
  CHECK_FALSE(tr.contains("net$$$0.weight"));
  CHECK(tr.contains("net$$$0.bias"));
}

TEST_CASE("module copies: a changed original, another name or another inference mode gets its own copy") {
  auto net = small_net();
  const void* first = draw_net(net).ptr().get();
  SUBCASE("a parameter of a new shape") {
    first_weight(net).set_data(torch::zeros({4, 5}));
    auto tr = h::trace([&] { CHECK(first_weight(draw_net(net)).sizes() == c10::IntArrayRef{4, 5}); }).get_trace();
    CHECK(tr.at("net$$$0.weight").fn->event_shape() == c10::IntArrayRef{4, 5});
  }
  SUBCASE("another dtype") {
    net->to(torch::kDouble);
    auto copy = draw_net(net);
    CHECK((first_weight(copy).scalar_type() == torch::kDouble));
    CHECK(copy->forward(torch::ones({1, 3}, torch::kDouble)).sizes() == c10::IntArrayRef{1, 2});
  }
  SUBCASE("two names on one module: two copies alive together") {
    auto a = draw_net(net, "a"), b = draw_net(net, "b");
    CHECK(a.ptr() != b.ptr());
  }
  SUBCASE("a copy made under InferenceMode does not serve training, which still gets gradients") {
    {
      c10::InferenceMode inference;
      CHECK(draw_net(net)->forward(torch::ones({1, 3})).sizes() == c10::IntArrayRef{1, 2});
    }
    pplx::clear_param_store();
    auto guide = [&] {
      for (const auto& item : net->named_parameters()) {
        auto loc = pplx::param(item.key() + "_loc", torch::zeros_like(item.value()));
        pplx::sample("net$$$" + item.key(), dist::Normal(loc, 1.0).to_event(loc.dim()));
      }
    };
    auto gtr = h::trace(guide).get_trace();
    auto out = h::replay([&] { return draw_net(net)->forward(torch::ones({1, 3})); }, gtr)();
    out.sum().backward();
    CHECK(pplx::get_param_store().get_unconstrained("0.weight_loc").grad().defined());
  }
  (void)first;
}

TEST_CASE("module copies: a module no shared_ptr owns is cloned at every call") {
  torch::nn::LinearImpl on_stack(2, 1);
  auto a = pplx::detail::module_copy("s", on_stack), b = pplx::detail::module_copy("s", on_stack);
  CHECK(a != b);
  CHECK(a->parameters()[0].sizes() == c10::IntArrayRef{1, 2});
}

TEST_CASE("bind_tensor: the target shows the value without a copy and passes gradients to what made it") {
  auto target = torch::zeros({2, 2}, torch::requires_grad());
  SUBCASE("a computed value") {
    auto loc = torch::ones({2, 2}, torch::requires_grad());
    auto v = loc * 3;
    pplx::detail::bind_tensor(target, v);
    CHECK(target.data_ptr() == v.data_ptr());
    CHECK_FALSE(target.is_leaf());
    (target * torch::tensor({{1.0, 2.0}, {3.0, 4.0}})).sum().backward();
    CHECK(torch::equal(loc.grad(), torch::tensor({{3.0, 6.0}, {9.0, 12.0}})));
  }
  SUBCASE("a leaf: its gradient accumulates in its own grad") {
    auto leaf = torch::full({2, 2}, 2.0, torch::requires_grad());
    pplx::detail::bind_tensor(target, leaf);
    (target * 5).sum().backward();
    CHECK(torch::equal(leaf.grad(), torch::full({2, 2}, 5.0)));
  }
  SUBCASE("another dtype is converted, a value without gradient leaves a plain tensor") {
    auto v = torch::full({2, 2}, 0.5, torch::kFloat64);
    pplx::detail::bind_tensor(target, v);
    CHECK((target.scalar_type() == torch::kFloat32));
    CHECK_FALSE(target.requires_grad());
    CHECK(torch::equal(target, torch::full({2, 2}, 0.5)));
  }
  SUBCASE("binding again drops the previous value's history") {
    auto a = torch::ones({2, 2}, torch::requires_grad()), b = torch::ones({2, 2}, torch::requires_grad());
    pplx::detail::bind_tensor(target, a * 2);
    pplx::detail::bind_tensor(target, b * 2);
    target.sum().backward();
    CHECK_FALSE(a.grad().defined());
    CHECK(torch::equal(b.grad(), torch::full({2, 2}, 2.0)));
  }
}

TEST_CASE("module copies: a module with buffers only gets its own copy in and out of InferenceMode") {
  torch::manual_seed(0);
  torch::nn::BatchNorm1d bn(torch::nn::BatchNorm1dOptions(3).affine(false));  // no parameter
  auto x = torch::randn({8, 3});
  auto draw = [&] { return pplx::random_module("bn", bn, dist::Normal(0.0, 1.0))->forward(x); };
  {
    c10::InferenceMode inference;
    draw();
  }
  torch::Tensor out;
  CHECK_NOTHROW(out = draw());  // training mode updates the running statistics in place
  CHECK(out.sizes() == x.sizes());
}

TEST_CASE("module copies: a bound parameter shares its value's version, so changing the value in place is caught") {
  // Pyro's copy computes with the store's tensor itself: an optimizer step between the forward
  // pass and backward makes backward fail rather than use the new values silently.
  pplx::clear_param_store();
  Scale scale;
  std::map<std::string, dist::DistPtr> no_prior;
  for (int call = 0; call < 2; ++call) {  // a fresh copy, then a reused one
    CAPTURE(call);
    auto x = torch::tensor({1.0, 2.0}, torch::requires_grad());
    auto out = pplx::random_module("scale", scale, no_prior)->forward(x);  // saves the weight
    {
      torch::NoGradGuard no_grad;
      pplx::get_param_store().get_unconstrained("scale$$$weight").add_(1.0);
    }
    CHECK_THROWS_WITH(out.sum().backward(), doctest::Contains("modified by an inplace operation"));
  }
}

TEST_CASE("module copies: a copy whose parameters were given a gradient or a hook comes back without them") {
  // A fresh clone's parameters have no grad, retain no grad and call no hook; bind_tensor gives
  // a reused copy's tensors a clean autograd slate.
  pplx::clear_param_store();
  Scale scale;
  auto guide = [] {
    auto loc = pplx::param("w_loc", torch::tensor({0.5, -1.0}));
    pplx::sample("scale$$$weight", dist::Normal(loc, 0.5).to_event(1));
  };
  auto replayed = [&] {
    return h::replay([&] { return pplx::random_module("scale", scale, dist::Normal(0.0, 1.0)); },
                     h::trace(guide).get_trace())();
  };
  SUBCASE("a leaf's gradient (a draw without history made leaf by the caller)") {
    {
      auto copy = pplx::random_module("scale", scale, dist::Normal(0.0, 1.0));
      copy->weight.requires_grad_(true);
      copy->forward(torch::ones({2})).sum().backward();
      REQUIRE(copy->weight.grad().defined());
    }
    CHECK_FALSE(pplx::random_module("scale", scale, dist::Normal(0.0, 1.0))->weight.grad().defined());
  }
  SUBCASE("retain_grad") {
    {
      auto copy = replayed();
      copy->weight.retain_grad();
      copy->forward(torch::ones({2})).sum().backward();
      REQUIRE(copy->weight.grad().defined());
    }
    auto copy = replayed();
    CHECK_FALSE(copy->weight.retains_grad());
  }
  SUBCASE("a hook") {
    int calls = 0;
    {
      auto copy = replayed();
      copy->weight.register_hook([&](torch::Tensor g) {
        ++calls;
        return g;
      });
    }
    auto copy = replayed();
    copy->forward(torch::ones({2})).sum().backward();
    auto again = replayed();  // the hook, if still there, would be called on the next copy's draws
    again->forward(torch::ones({2})).sum().backward();
    CHECK(calls == 0);
  }
}

TEST_CASE("module copies: SVI gives the same losses whether the copy is reused or cloned at every step") {
  auto run = [](bool hold_copies) {
    pplx::clear_param_store();
    torch::manual_seed(1);
    torch::nn::Sequential net(torch::nn::Linear(2, 3), torch::nn::BatchNorm1d(3), torch::nn::Tanh(),
                              torch::nn::Linear(3, 1));
    net[3]->as<torch::nn::Linear>()->bias.requires_grad_(false);
    auto x = torch::randn({16, 2}), y = torch::randn({16});
    std::vector<std::shared_ptr<torch::nn::Module>> held;  // holding them forces a fresh clone
    std::set<const void*> copies;
    std::map<std::string, dist::DistPtr> priors{{"0.weight", dist::Normal(0.0, 1.0).clone()},
                                                {"3.weight", dist::Normal(0.0, 1.0).clone()}};
    auto model = [&](const torch::Tensor& x, const torch::Tensor& y) {
      auto m = pplx::random_module("net", net, priors);  // 0.bias, 1.weight, 1.bias: params
      copies.insert(m.ptr().get());
      if (hold_copies) held.push_back(m.ptr());
      pplx::plate data("data", x.size(0));
      pplx::sample("y", dist::Normal(m->forward(x).squeeze(-1), 0.5), y);
    };
    auto guide = pplx::infer::autoguide::AutoNormal(model);
    pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
    std::vector<double> losses;
    for (int step = 0; step < 20; ++step) {
      if (step == 10) net->eval();
      losses.push_back(svi.step(x, y));
    }
    return std::make_pair(losses, copies.size());
  };
  auto reused = run(false), cloned = run(true);
  CHECK(reused.second < 5);  // the autoguide's first call and the steps share a few copies
  CHECK(cloned.second == 21);
  CHECK(reused.first == cloned.first);
}

TEST_CASE("module copies: a reused copy has the original's submodules and options now") {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(3, 4), torch::nn::Dropout(0.0));
  auto x = torch::ones({5, 3});
  auto output = [&] { return draw_net(net)->forward(x).abs().sum().item<double>(); };
  SUBCASE("an option of the original changed (Dropout p = 1 zeroes everything in training)") {
    output();
    net[1]->as<torch::nn::Dropout>()->options.p(1.0);
    CHECK(output() == 0);
  }
  SUBCASE("an option the caller changed on a copy it dropped") {
    draw_net(net)[1]->as<torch::nn::Dropout>()->options.p(1.0);
    CHECK(output() > 0);
  }
  SUBCASE("a module without parameters appended to the original") {
    output();
    net->push_back(torch::nn::Dropout(1.0));
    CHECK(draw_net(net)->size() == 3);
    CHECK(output() == 0);
  }
}

namespace {
// A module whose reset() (which clone() runs) lets another thread draw from the default generator.
struct RendezvousImpl : torch::nn::Cloneable<RendezvousImpl> {
  RendezvousImpl() { reset(); }
  void reset() override {
    weight = register_parameter("weight", torch::ones({2}));
    if (during_reset) std::thread(during_reset).join();
  }
  torch::Tensor forward(const torch::Tensor& x) { return x * weight; }
  torch::Tensor weight;
  static std::function<void()> during_reset;
};
std::function<void()> RendezvousImpl::during_reset;
TORCH_MODULE(Rendezvous);
}  // namespace

TEST_CASE("module copies: a fresh clone does not make another thread draw the same numbers twice") {
  // Putting the default generator's state back after clone() rewound it under a thread that drew
  // meanwhile: its numbers came again.
  Rendezvous module;
  double during = 0;
  RendezvousImpl::during_reset = [&] { during = torch::randn({}, torch::kDouble).item<double>(); };
  pplx::detail::module_copy("rendezvous", *module);
  RendezvousImpl::during_reset = nullptr;
  double after = 0;
  std::thread([&] { after = torch::randn({}, torch::kDouble).item<double>(); }).join();
  CHECK(after != during);
}

TEST_CASE("module copies: what the caller keeps of a dropped copy keeps its values") {
  auto net = small_net();
  auto unchanged_by_next_call = [&](const std::function<torch::Tensor()>& read) {
    auto before = read().clone();
    draw_net(net);
    return torch::equal(read(), before);
  };
  SUBCASE("its named_parameters") {
    auto params = draw_net(net)->named_parameters();
    CHECK(unchanged_by_next_call([&] { return params["0.weight"]; }));
  }
  SUBCASE("a view taken under NoGradGuard") {
    torch::Tensor view;
    {
      auto copy = draw_net(net);
      torch::NoGradGuard no_grad;
      view = first_weight(copy)[0];
    }
    CHECK(unchanged_by_next_call([&] { return view; }));
  }
  SUBCASE("a view taken under InferenceMode") {
    torch::Tensor view;
    {
      auto copy = draw_net(net);
      c10::InferenceMode inference;
      view = first_weight(copy)[0];
    }
    CHECK(unchanged_by_next_call([&] { return view; }));
  }
  SUBCASE("a function that captured it") {
    std::function<torch::Tensor()> forward;
    {
      auto copy = draw_net(net);
      forward = [copy]() mutable { return copy->forward(torch::ones({1, 3})); };
    }
    CHECK(unchanged_by_next_call(forward));
  }
  SUBCASE("a submodule") {
    std::shared_ptr<torch::nn::Module> child = draw_net(net)->children()[0];
    CHECK(unchanged_by_next_call([&] { return child->parameters()[0]; }));
  }
}

TEST_CASE("module copies: SVI with a joint guide or several particles gives the same losses with reuse") {
  // AutoMultivariateNormal's draws are views of one latent; particles keep each other's copies.
  auto run = [](bool hold_copies, bool particles) {
    pplx::clear_param_store();
    torch::manual_seed(1);
    torch::nn::Sequential net(torch::nn::Linear(2, 3), torch::nn::Tanh(), torch::nn::Linear(3, 1));
    auto x = torch::randn({16, 2}), y = torch::randn({16});
    std::vector<std::shared_ptr<torch::nn::Module>> held;
    auto model = [&](const torch::Tensor& x, const torch::Tensor& y) {
      auto out = torch::zeros({x.size(0)});
      for (const char* name : {"a", "b"}) {  // two sites of one network
        auto m = pplx::random_module(name, net, dist::Normal(0.0, 1.0));
        if (hold_copies) held.push_back(m.ptr());
        out = out + m->forward(x).squeeze(-1);
      }
      pplx::plate data("data", x.size(0));
      pplx::sample("y", dist::Normal(out, 0.5), y);
    };
    std::vector<double> losses;
    auto optim = pplx::optim::Adam(torch::optim::AdamOptions(0.01));
    if (particles) {
      pplx::infer::SVI svi(model, pplx::infer::autoguide::AutoNormal(model), optim,
                           pplx::infer::TraceELBO(pplx::infer::TraceELBOOptions().num_particles(3)));
      for (int step = 0; step < 10; ++step) losses.push_back(svi.step(x, y));
    } else {
      pplx::infer::SVI svi(model, pplx::infer::autoguide::AutoMultivariateNormal(model), optim,
                           pplx::infer::TraceELBO());
      for (int step = 0; step < 10; ++step) losses.push_back(svi.step(x, y));
    }
    return losses;
  };
  for (bool particles : {false, true}) {
    CAPTURE(particles);
    CHECK(run(false, particles) == run(true, particles));
  }
}

namespace {
struct TemperedImpl : torch::nn::Cloneable<TemperedImpl> {
  TemperedImpl() { reset(); }
  void reset() override { weight = register_parameter("weight", torch::ones({2})); }
  torch::Tensor forward(const torch::Tensor& x) { return x * weight / temperature; }
  torch::Tensor weight;
  double temperature = 1.0;  // a field pretty_print does not show
};
TORCH_MODULE(Tempered);
}  // namespace

TEST_CASE("module copies: a module of your own is cloned at every call until declared reusable") {
  // clone() copies every field; reuse could not see `temperature`, so it is not reused...
  Tempered tempered;
  pplx::random_module("t", tempered, dist::Normal(0.0, 1.0));
  tempered->temperature = 2.0;
  CHECK(pplx::random_module("t", tempered, dist::Normal(0.0, 1.0))->temperature == 2.0);
  // ...until its author declares that it keeps nothing pplx cannot see.
  pplx::allow_copy_reuse<TemperedImpl>();
  const void* first = pplx::random_module("t", tempered, dist::Normal(0.0, 1.0)).ptr().get();
  const void* second = pplx::random_module("t", tempered, dist::Normal(0.0, 1.0)).ptr().get();
  CHECK(first == second);
}

// KNOWN BREAK (documented, not fixed): the cache keeps a dropped copy alive for its next reuse, so
// a weak_ptr to it still locks, onto the next call's draws once it is reused.
TEST_CASE("module copies: a weak_ptr to a dropped copy expires" * doctest::should_fail()) {
  auto net = small_net();
  std::weak_ptr<torch::nn::Module> weak = draw_net(net).ptr();
  CHECK(weak.expired());
}

namespace {
// A module whose reset() (which clone() runs) runs `in_reset` on the calling thread.
struct NestingImpl : torch::nn::Cloneable<NestingImpl> {
  NestingImpl() { reset(); }
  void reset() override {
    weight = register_parameter("weight", torch::ones({2}));
    if (in_reset) in_reset();
  }
  torch::Tensor forward(const torch::Tensor& x) { return x * weight; }
  torch::Tensor weight;
  static std::function<void()> in_reset;
};
std::function<void()> NestingImpl::in_reset;
TORCH_MODULE(Nesting);
const bool nesting_reusable = (pplx::allow_copy_reuse<NestingImpl>(), true);
}  // namespace

TEST_CASE("module copies: a module whose reset() calls module_copy itself") {
  // clone() runs reset(), which may run any code, module_copy included: the cache is not the one
  // it was before clone().
  Nesting nesting;
  torch::nn::Linear other(2, 2);
  std::vector<std::shared_ptr<torch::nn::Module>> others;
  auto held = pplx::detail::module_copy("outer", *nesting);  // held: the next call clones
  NestingImpl::in_reset = [&] {
    for (int i = 0; i < 40; ++i) others.push_back(pplx::detail::module_copy("other" + std::to_string(i), *other));
  };
  const void* second = pplx::detail::module_copy("outer", *nesting).get();
  NestingImpl::in_reset = nullptr;
  others.clear();
  CHECK(pplx::detail::module_copy("outer", *nesting).get() == second);  // dropped: handed out again
  for (int i = 39; i > 30; --i) {  // each of the other's copies is a copy of the other
    auto copy = pplx::detail::module_copy("other" + std::to_string(i), *other);
    CHECK(dynamic_cast<torch::nn::LinearImpl*>(copy.get()) != nullptr);
  }
}

TEST_CASE("module copies: BatchNorm without running statistics, a parameter frozen then thawed") {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(2, 3),
                            torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(3).track_running_stats(false)));
  auto x = torch::randn({8, 2});
  for (int call = 0; call < 3; ++call) {  // undefined buffers, in training then in eval
    CAPTURE(call);
    CHECK(draw_net(net)->forward(x).sizes() == c10::IntArrayRef{8, 3});
    if (call == 1) net->eval();
  }
  auto weight = first_weight(net);
  weight.requires_grad_(false);
  auto frozen = h::trace([&] { CHECK(torch::equal(first_weight(draw_net(net)), weight)); }).get_trace();
  CHECK_FALSE(frozen.contains("net$$$0.weight"));
  weight.requires_grad_(true);
  torch::Tensor shown;
  auto thawed = h::trace([&] { shown = first_weight(draw_net(net)).clone(); }).get_trace();
  CHECK(torch::equal(thawed.at("net$$$0.weight").value, shown));
}
