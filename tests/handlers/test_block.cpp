// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

namespace {
std::vector<std::string> names_of(const pplx::Trace& tr) {
  std::vector<std::string> out;
  for (const auto& s : tr) out.push_back(s.name);
  return out;
}
}  // namespace

TEST_CASE_FIXTURE(NormalNormalNormal, "block: hides everything by default, but sites still run") {
  torch::Tensor obs;
  auto tr = h::trace([&] { obs = h::block(model)(data); }).get_trace();
  CHECK(tr.empty());
  CHECK(item(obs) == doctest::Approx(1.5));
}

TEST_CASE_FIXTURE(NormalNormalNormal, "block: hide and expose by name") {
  auto hidden = h::trace(h::block(model, h::BlockOptions().hide({"latent1"}))).get_trace(data);
  CHECK(names_of(hidden) == std::vector<std::string>{"latent2", "obs"});
  auto exposed = h::trace(h::block(model, h::BlockOptions().expose({"latent1"}))).get_trace(data);
  CHECK(names_of(exposed) == std::vector<std::string>{"latent1"});
}

TEST_CASE_FIXTURE(NormalNormalNormal, "block: hide and expose by type, observed sites are type 'observe'") {
  auto no_obs = h::trace(h::block(model, h::BlockOptions().hide_types({"observe"}))).get_trace(data);
  CHECK(names_of(no_obs) == std::vector<std::string>{"latent1", "latent2"});
  auto only_params = h::trace(h::block(guide, h::BlockOptions().expose_types({"param"}))).get_trace(data);
  CHECK(names_of(only_params) == std::vector<std::string>{"loc1", "scale1", "loc2", "scale2"});
}

TEST_CASE_FIXTURE(NormalNormalNormal, "block: handlers inside the block still see hidden sites") {
  auto outer = h::trace();
  h::TraceMessenger* inner_ptr = nullptr;
  {
    auto b = h::block(h::BlockOptions().hide({"latent2"}));
    auto inner = h::trace();
    model(data);
    CHECK(inner.get_trace().size() == 3);
    inner_ptr = &inner;
  }
  (void)inner_ptr;
  CHECK(names_of(outer.get_trace()) == std::vector<std::string>{"latent1", "obs"});
}

TEST_CASE("block: contradictory options are rejected") {
  CHECK_THROWS_AS(h::BlockMessenger(h::BlockOptions().hide({"a"}).expose({"a"})), pplx::ValueError);
  CHECK_THROWS_AS(h::BlockMessenger(h::BlockOptions().hide_types({"samples"})), pplx::ValueError);
}
