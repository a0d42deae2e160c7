// SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;

namespace {
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("pplx_test_" + name + "_" + std::to_string(::getpid()))).string();
}
}  // namespace

TEST_CASE("ParamStore: get, set, names in insertion order, erase, clear") {
  pplx::ParamStore store;
  store.set("b", torch::tensor(2.0), pplx::constraints::positive);
  store.set("a", torch::zeros({3}));
  CHECK(store.names() == std::vector<std::string>{"b", "a"});
  CHECK(item(store.get("b")) == doctest::Approx(2.0));
  CHECK(item(store.get_unconstrained("b")) == doctest::Approx(std::log(2.0)));
  CHECK(store.constraint("b")->name() == "positive");
  store.erase("b");
  CHECK(store.names() == std::vector<std::string>{"a"});
  CHECK(item(store.get("a").sum()) == 0.0);
  auto msg = error_message([&] { store.get("missing"); });
  CHECK(msg.find("no parameter 'missing'; it holds: a") != std::string::npos);
  store.clear();
  CHECK(store.size() == 0);
}

TEST_CASE("ParamStore: a scope makes a user store current, the default store is per thread") {
  pplx::clear_param_store();
  pplx::ParamStore mine;
  {
    pplx::ParamStoreScope use(mine);
    pplx::param("x", torch::ones({}));
  }
  CHECK(mine.contains("x"));
  CHECK_FALSE(pplx::get_param_store().contains("x"));
  pplx::param("main_thread_only", torch::ones({}));
  bool seen_in_other_thread = true;
  std::thread([&] { seen_in_other_thread = pplx::get_param_store().contains("main_thread_only"); }).join();
  CHECK_FALSE(seen_in_other_thread);
}

TEST_CASE("ParamStore: save and load round trip values, constraints and names") {
  pplx::ParamStore store;
  store.set("loc", torch::tensor({1.0, -2.0}, torch::kDouble));
  store.set("scale", torch::tensor({0.5f, 3.0f}), pplx::constraints::positive);
  store.set("p", torch::tensor(0.3), pplx::constraints::interval(0.0, 1.0));
  auto path = temp_path("roundtrip");
  store.save(path);
  pplx::ParamStore loaded;
  loaded.set("stale", torch::zeros({}));
  loaded.load(path, torch::Device(torch::kCPU));
  CHECK(loaded.names() == std::vector<std::string>{"loc", "scale", "p"});
  CHECK(torch::equal(loaded.get_unconstrained("scale"), store.get_unconstrained("scale")));
  CHECK((loaded.get("loc").scalar_type() == torch::kDouble));
  CHECK(loaded.constraint("p")->describe() == "interval(0, 1)");
  CHECK(item(loaded.get("p")) == doctest::Approx(0.3));
  CHECK(loaded.get_unconstrained("loc").requires_grad());
  std::remove(path.c_str());
}

TEST_CASE("ParamStore: loading a bad file throws IOError and leaves the store unchanged") {
  pplx::ParamStore store;
  store.set("keep", torch::ones({}));
  auto m1 = error_message([&] { store.load("/nonexistent/dir/params.pplx"); });
  CHECK(m1.find("cannot open '/nonexistent/dir/params.pplx'") != std::string::npos);
  auto path = temp_path("garbage");
  std::ofstream(path) << "definitely not a parameter file";
  auto m2 = error_message([&] { store.load(path); });
  CHECK(m2.find("not a pplx archive") != std::string::npos);
  CHECK(store.contains("keep"));
  std::remove(path.c_str());
}
