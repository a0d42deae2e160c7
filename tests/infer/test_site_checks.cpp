// SPDX-License-Identifier: Apache-2.0
// Pyro's check_model_guide_match and check_site_shape (pyro/util.py), run by every ELBO when
// validation is on: shapes and event dims of latent sites agree, every batch dim belongs to a
// plate, every plate of the guide is in the model.
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/handlers/handlers.h>
#include <pplx/infer/infer.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>
#include <pplx/validation.h>

namespace dist = pplx::distributions;
namespace infer = pplx::infer;

namespace {

template <class E, class Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

bool mentions(const std::string& m, const char* part) { return m.find(part) != std::string::npos; }

auto vector_model = [] { pplx::sample("x", dist::Normal(torch::zeros({2}), 1.0).to_event(1)); };

}  // namespace

TEST_CASE("a guide site with other event dims than the model's is a ShapeError") {
  auto guide = [] { pplx::sample("x", dist::Normal(torch::zeros({2, 1}), 1.0)); };
  auto m = message_of<pplx::ShapeError>([&] { infer::TraceELBO().loss(vector_model, guide); });
  CHECK(mentions(m, "latent site 'x'"));
  CHECK(mentions(m, "event_dim 1"));
  CHECK(mentions(m, "event_dim 0"));
  CHECK(mentions(m, "to_event"));
}

TEST_CASE("a guide value of shape [2, 1] at a to_event(1) site of shape [2] is a ShapeError") {
  auto guide = [] { pplx::sample("x", dist::Normal(torch::zeros({2, 1}), 1.0).to_event(1)); };
  auto m = message_of<pplx::ShapeError>([&] { infer::TraceELBO().loss(vector_model, guide); });
  CHECK(mentions(m, "model [2] vs guide [2, 1]"));
  // And the distribution itself refuses the value instead of broadcasting and summing it.
  auto lp = [] { dist::Normal(torch::zeros({2}), 1.0).to_event(1)->log_prob(torch::zeros({2, 1})); };
  CHECK(mentions(message_of<pplx::ShapeError>(lp), "must equal event_shape [2]"));
}

TEST_CASE("guide shape [1, 2] against model shape [2, 1] is a ShapeError, a missing leading 1 is not") {
  auto model = [] { pplx::sample("x", dist::Normal(torch::zeros({2, 1}), 1.0).to_event(2)); };
  auto guide = [] { pplx::sample("x", dist::Normal(torch::zeros({1, 2}), 1.0).to_event(2)); };
  auto m = message_of<pplx::ShapeError>([&] { infer::TraceELBO().loss(model, guide); });
  CHECK(mentions(m, "model [2, 1] vs guide [1, 2]"));
  CHECK(mentions(m, "at dim -1"));
  auto model_1 = [] { pplx::sample("x", dist::Normal(torch::zeros({1, 2}), 1.0).to_event(2)); };
  auto guide_2 = [] { pplx::sample("x", dist::Normal(torch::zeros({2}), 1.0).to_event(1)); };
  CHECK_THROWS_AS(infer::TraceELBO().loss(model_1, guide_2), pplx::ShapeError);  // event dims differ
  auto guide_12 = [] { pplx::sample("x", dist::Normal(torch::zeros({1, 2}), 1.0).to_event(1)); };
  auto model_2 = [] { pplx::sample("x", dist::Normal(torch::zeros({2}), 1.0).to_event(1)); };
  CHECK_NOTHROW(infer::TraceELBO().loss(model_2, guide_12));  // [2] vs [1, 2]: Pyro accepts it
}

TEST_CASE("a batch dim that no plate declares is a ShapeError naming the dim and the plate") {
  auto model = [] {
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(torch::zeros({5, 1}), 1.0), torch::zeros({5}));
  };
  auto guide = [] {};
  auto m = message_of<pplx::ShapeError>([&] { infer::TraceELBO().loss(model, guide); });
  CHECK(mentions(m, "sample site 'x' (model)"));
  CHECK(mentions(m, "batch shape [5, 5]"));
  CHECK(mentions(m, "at dim -2"));
  CHECK(mentions(m, "data(size 5, dim -1)"));
  CHECK(mentions(m, "to_event"));
  // An observed value with an extra batch dim counts too (the log-density has that dim).
  auto model_obs = [] {
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(torch::zeros({5}), 1.0), torch::zeros({3, 5}));
  };
  CHECK_THROWS_AS(infer::TraceELBO().loss(model_obs, guide), pplx::ShapeError);
  // Latent sites of the guide are checked as well.
  auto model_z = [] { pplx::sample("z", dist::Normal(torch::zeros({3}), 1.0).to_event(1)); };
  auto guide_z = [] { pplx::sample("z", dist::Normal(torch::zeros({3}), 1.0)); };
  CHECK_THROWS_AS(infer::TraceELBO().loss(model_z, guide_z), pplx::ShapeError);
}

TEST_CASE("a plate in the guide that the model lacks is a SiteError") {
  auto model = [] { pplx::sample("x", dist::Normal(0.0, 1.0)); };
  auto guide = [] {
    { pplx::plate unused("unused", 10, pplx::PlateOptions().subsample_size(5)); }
    pplx::sample("x", dist::Normal(0.0, 1.0));
  };
  auto m = message_of<pplx::SiteError>([&] { infer::TraceELBO().loss(model, guide); });
  CHECK(mentions(m, "plate 'unused'"));
  CHECK(mentions(m, "model plates: none"));
  // The other way round is fine (Pyro's test_iplate_in_model_not_guide_ok).
  CHECK_NOTHROW(infer::TraceELBO().loss(guide, model));
}

TEST_CASE("the shape checks are part of validation: off, they are skipped") {
  pplx::ValidationScope off(false);
  auto guide = [] { pplx::sample("x", dist::Normal(torch::zeros({2, 1}), 1.0)); };
  CHECK_NOTHROW(infer::TraceELBO().loss(vector_model, guide));
  auto model = [] { pplx::sample("x", dist::Normal(0.0, 1.0)); };
  auto plate_guide = [] {
    { pplx::plate unused("unused", 10); }
    pplx::sample("x", dist::Normal(0.0, 1.0));
  };
  CHECK_NOTHROW(infer::TraceELBO().loss(model, plate_guide));
}

TEST_CASE("TraceMeanFieldELBO runs the same checks") {
  auto guide = [] { pplx::sample("x", dist::Normal(torch::zeros({2, 1}), 1.0).to_event(1)); };
  CHECK_THROWS_AS(infer::TraceMeanFieldELBO().loss(vector_model, guide), pplx::ShapeError);
}

TEST_CASE("plates, masks and deterministic sites that fit pass the checks") {
  auto model = [] {
    pplx::plate outer("outer", 3, pplx::PlateOptions().dim(-2));
    pplx::plate inner("inner", 4);
    auto z = pplx::sample("z", dist::Normal(0.0, 1.0));
    pplx::deterministic("twice", torch::stack({z, z}));  // [2, 3, 4]: deterministic sites are not checked
    auto m = pplx::handlers::mask(torch::ones({4}, torch::kBool));
    pplx::sample("x", dist::Normal(z, 1.0), torch::zeros({3, 4}));
  };
  auto guide = [] {
    pplx::plate outer("outer", 3, pplx::PlateOptions().dim(-2));
    pplx::plate inner("inner", 4);
    pplx::sample("z", dist::Normal(torch::zeros({3, 1}), 1.0));
  };
  CHECK_NOTHROW(infer::TraceELBO().loss(model, guide));
  CHECK_NOTHROW(
      infer::TraceELBO(infer::TraceELBOOptions().num_particles(3).vectorize_particles(true)).loss(model, guide));
}
