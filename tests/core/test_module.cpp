// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

namespace {
torch::nn::Sequential make_net() {
  torch::manual_seed(0);
  return torch::nn::Sequential(torch::nn::Linear(3, 4), torch::nn::ReLU(), torch::nn::Linear(4, 2));
}
}  // namespace

TEST_CASE("random_module: a fresh copy with parameters drawn at name$$$param sites, the input is untouched") {
  pplx::clear_param_store();
  auto net = make_net();
  auto before = net->parameters()[0].clone();
  auto tr = h::trace([&] {
              auto sampled = pplx::random_module("net", net, dist::Normal(0.0, 1.0));
              CHECK(sampled.ptr() != net.ptr());
              CHECK(sampled->forward(torch::ones({5, 3})).sizes() == c10::IntArrayRef{5, 2});
            }).get_trace();
  std::vector<std::string> names;
  for (const auto& s : tr) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"net$$$0.weight", "net$$$0.bias", "net$$$2.weight", "net$$$2.bias"});
  CHECK(tr.at("net$$$0.weight").fn->event_shape() == c10::IntArrayRef{4, 3});
  CHECK(torch::equal(net->parameters()[0], before));
  CHECK(net->parameters()[0].is_leaf());
  CHECK(pplx::get_param_store().size() == 0);
}

TEST_CASE("random_module: the copy computes with the drawn values, and gradients reach the guide") {
  pplx::clear_param_store();
  auto lin = torch::nn::Linear(torch::nn::LinearOptions(2, 1).bias(false));
  auto guide = [] {
    auto loc = pplx::param("w_loc", torch::tensor({{0.5, -1.0}}));
    pplx::sample("lin$$$weight", dist::Normal(loc, 1e-3).to_event(2));
  };
  auto model = [&] {
    auto sampled = pplx::random_module("lin", lin, dist::Normal(0.0, 1.0));
    return sampled->forward(torch::tensor({{1.0, 2.0}}));
  };
  auto gtr = h::trace(guide).get_trace();
  auto out = h::replay(model, gtr)();
  auto w = gtr.at("lin$$$weight").value;
  CHECK(item(out) == doctest::Approx(item(w[0][0] + 2 * w[0][1])));
  out.sum().backward();
  auto g = pplx::get_param_store().get_unconstrained("w_loc").grad();
  REQUIRE(g.defined());
  CHECK(torch::allclose(g, torch::tensor({{1.0, 2.0}})));
}

TEST_CASE("random_module: unknown prior keys list the valid names, frozen params stay fixed") {
  auto net = make_net();
  std::map<std::string, dist::DistPtr> priors{{"0.wieght", dist::Normal(0.0, 1.0).clone()}};
  auto msg = error_message([&] { pplx::random_module("net", net, priors); });
  CHECK(msg.find("prior given for '0.wieght'") != std::string::npos);
  CHECK(msg.find("0.weight, 0.bias, 2.weight, 2.bias") != std::string::npos);

  net[0]->as<torch::nn::Linear>()->weight.requires_grad_(false);
  auto frozen = net[0]->as<torch::nn::Linear>()->weight.clone();
  auto tr = h::trace([&] {
              auto s = pplx::random_module("net", net, dist::Normal(0.0, 1.0));
              CHECK(torch::equal(s[0]->as<torch::nn::Linear>()->weight, frozen));
            }).get_trace();
  CHECK_FALSE(tr.contains("net$$$0.weight"));
  CHECK(tr.contains("net$$$0.bias"));
}

TEST_CASE("module: registers a module's own parameters in the store") {
  pplx::clear_param_store();
  auto lin = torch::nn::Linear(2, 2);
  pplx::module("lin", lin);
  auto& store = pplx::get_param_store();
  CHECK(store.names() == std::vector<std::string>{"lin$$$weight", "lin$$$bias"});
  CHECK(store.get_unconstrained("lin$$$weight").is_same(lin->weight));
}
