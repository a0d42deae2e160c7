// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE("plate: broadcasts distributions inside to the plate size at its dim") {
  auto tr = h::trace([] {
              pplx::plate a("a", 3);
              pplx::sample("x", dist::Normal(0.0, 1.0));
              pplx::plate b("b", 2);
              pplx::sample("y", dist::Normal(torch::zeros({3}), 1.0));  // size-3 dim already there
              pplx::sample("w", dist::Normal(0.0, 1.0).to_event(0));
            }).get_trace();
  CHECK(tr.at("x").value.sizes() == c10::IntArrayRef{3});
  CHECK(tr.at("y").value.sizes() == c10::IntArrayRef{2, 3});
  CHECK(tr.at("w").fn->batch_shape() == c10::IntArrayRef{2, 3});
}

TEST_CASE("plate: explicit dims and event dims") {
  auto tr = h::trace([] {
              pplx::plate p("p", 4, pplx::PlateOptions().dim(-2));
              pplx::sample("v", dist::Normal(torch::zeros({5}), 1.0).to_event(1));
              pplx::sample("u", dist::Normal(torch::zeros({1, 7}), 1.0));
            }).get_trace();
  CHECK(tr.at("v").fn->batch_shape() == c10::IntArrayRef{4, 1});
  CHECK(tr.at("v").value.sizes() == c10::IntArrayRef{4, 1, 5});
  CHECK(tr.at("u").fn->batch_shape() == c10::IntArrayRef{4, 7});
}

TEST_CASE("plate: a batch dim that conflicts with the plate is a ShapeError naming site and plate") {
  auto msg = error_message([] {
    pplx::plate p("data", 10);
    auto tr = h::trace();
    pplx::sample("z", dist::Normal(torch::zeros({3}), 1.0));
  });
  CHECK(msg.find("sample site 'z' inside plate 'data'") != std::string::npos);
  CHECK(msg.find("batch_shape [3]") != std::string::npos);
  CHECK(msg.find("plate has size 10") != std::string::npos);
}

TEST_CASE("plate: subsampling scales log densities by size/subsample_size and draws distinct indices") {
  torch::manual_seed(0);
  auto tr = h::trace([] {
              pplx::plate p("data", 100, 10);
              CHECK(p.indices().sizes() == c10::IntArrayRef{10});
              auto unique = std::get<0>(at::_unique(p.indices()));
              CHECK(unique.numel() == 10);
              CHECK(p.indices().min().item<int64_t>() >= 0);
              CHECK(p.indices().max().item<int64_t>() < 100);
              auto data = torch::arange(100, torch::kDouble);
              auto batch = p.subsample(data);
              CHECK(torch::equal(batch, data.index_select(0, p.indices())));
              pplx::sample("x", dist::Normal(0.0, 1.0), torch::zeros({10}));
            }).get_trace();
  CHECK(tr.at("x").scale == 10.0);
  tr.compute_log_prob();
  CHECK(item(tr.at("x").log_prob_sum) == doctest::Approx(10.0 * 10 * normal_lp(0, 0, 1)));
}

TEST_CASE("plate: bad sizes and names are rejected") {
  auto m1 = error_message([] { pplx::plate p("data", 10, 11); });
  CHECK(m1.find("subsample_size 11 must be in [1, size=10]") != std::string::npos);
  auto m2 = error_message([] {
    pplx::plate a("data", 10);
    pplx::plate b("data", 10);
  });
  CHECK(m2.find("plate 'data': a plate with this name is already active") != std::string::npos);
  auto m3 = error_message([] {
    pplx::plate a("a", 10);
    pplx::plate b("b", 3, pplx::PlateOptions().dim(-1));
  });
  CHECK(m3.find("dim -1 is already used by enclosing plate 'a'") != std::string::npos);
  CHECK_THROWS_AS(pplx::plate("zero", 0), pplx::ValueError);
  // The dim allocator recovers after errors: a fresh plate gets dim -1 again.
  pplx::plate ok("ok", 2);
  CHECK(ok.dim() == -1);
}

TEST_CASE("plate: reusing a name in one trace needs the same size") {
  auto tr = h::trace([] {
              {
                pplx::plate p("data", 5);
                pplx::sample("a", dist::Normal(0.0, 1.0));
              }
              {
                pplx::plate p("data", 5);
                pplx::sample("b", dist::Normal(0.0, 1.0));
              }
            }).get_trace();
  CHECK(tr.contains("a"));
  CHECK(tr.contains("b"));
  auto msg = error_message([] {
    auto t = h::trace();
    { pplx::plate p("data", 5); }
    { pplx::plate p("data", 6); }
  });
  CHECK(msg.find("plate 'data' reused with a different size: first 5, now 6") != std::string::npos);
}

TEST_CASE("plate: the guide's subsample is replayed into the model") {
  torch::manual_seed(4);
  auto guide = [] {
    pplx::plate p("data", 1000, 8);
    return p.indices();
  };
  auto gtr = h::trace(guide).get_trace();
  auto model_indices = h::replay(guide, gtr)();
  CHECK(torch::equal(model_indices, gtr.at("data").value));
}

TEST_CASE("plate: a full plate's indices are the same tensor at every run, until changed in place") {
  auto indices = [] {
    pplx::plate p("data", 37);
    return p.indices();
  };
  auto first = indices();
  CHECK(torch::equal(first, torch::arange(37, torch::kLong)));
  CHECK(indices().is_same(first));  // no operator per step; validation remembers it
  first.add_(0);                    // a new version: not handed out again
  auto second = indices();
  CHECK_FALSE(second.is_same(first));
  CHECK(torch::equal(second, torch::arange(37, torch::kLong)));
  // Under InferenceMode a fresh tensor each time, and none of them is cached.
  {
    c10::InferenceMode guard;
    auto a = indices();
    CHECK_FALSE(a.is_same(second));
    CHECK_FALSE(indices().is_same(a));
  }
  CHECK(indices().is_same(second));
}

TEST_CASE("plate: the default behaviour draws a plate site's indices with the site's own subsample_fn") {
  // pplx::plate's site carries its draw, as Pyro's carries a _Subsample distribution.
  torch::manual_seed(1);
  auto tr = h::trace([] { pplx::plate p("data", 100, 10); }).get_trace();
  const auto& site = tr.at("data");
  REQUIRE(site.subsample_fn);
  CHECK(site.subsample_fn(site).sizes() == c10::IntArrayRef{10});
  // The default behaviour calls whatever the site carries.
  pplx::Message msg;
  msg.type = pplx::SiteType::plate;
  msg.name = "rows";
  msg.plate_size = 6;
  msg.plate_subsample_size = 2;
  msg.subsample_fn = [](const pplx::Message& m) { return torch::tensor({m.plate_size - 1, int64_t{0}}); };
  auto t = h::trace();
  pplx::apply_stack(msg);
  CHECK(torch::equal(msg.value, torch::tensor({int64_t{5}, int64_t{0}})));
  CHECK(torch::equal(t.get_trace().at("rows").value, msg.value));
}
