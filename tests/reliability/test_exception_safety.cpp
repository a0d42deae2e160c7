// SPDX-License-Identifier: Apache-2.0
// Exception safety of the handler stack (issue #7): a model or guide that throws mid-trace leaves
// the thread's handler stack, plate dims, current param store and validation flag as they were,
// and the next run behaves exactly like a run in a fresh state. Scopes ended out of order make
// the next primitive fail loudly until reset_handler_stack().
#include <memory>
#include <stdexcept>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

#include "reliability/error_matchers.h"

namespace dist = pplx::distributions;
namespace h = pplx::handlers;

namespace {

// A model with a subsampled plate, a latent and an observed site; `fail_at` picks where it throws.
enum class FailAt { nowhere, user_code, shape_error, duplicate_site };

torch::Tensor model(const torch::Tensor& x, FailAt fail_at) {
  auto loc = pplx::sample("loc", dist::Normal(0.0, 1.0));
  pplx::plate data("data", x.size(0), pplx::PlateOptions().subsample_size(4));
  auto xb = data.subsample(x);
  if (fail_at == FailAt::user_code) throw std::runtime_error("user code failed");
  if (fail_at == FailAt::shape_error) pplx::sample("x", dist::Normal(loc, 1.0), torch::zeros({3}));
  pplx::sample("x", dist::Normal(loc, 1.0), xb);
  if (fail_at == FailAt::duplicate_site) pplx::sample("loc", dist::Normal(0.0, 1.0));
  return loc;
}

// Runs `model` under nested trace, block, scale, seed and (inside the model) plate handlers.
pplx::Trace run_nested(const torch::Tensor& x, FailAt fail_at) {
  auto seeded = h::seed(12345);
  auto tr = h::trace();
  auto scaled = h::scale(0.5);
  auto blocked = h::block(h::BlockOptions().hide({"unrelated"}));
  model(x, fail_at);
  return tr.take_trace();
}

// The baseline a clean thread has: no handlers, no active plates (a new plate gets dim -1).
void check_clean_state(size_t stack_size) {
  CHECK(pplx::handler_stack().size() == stack_size);
  pplx::plate probe("probe", 2);
  CHECK(probe.dim() == -1);
}

}  // namespace

TEST_CASE("exception safety: a throwing model leaves the handler stack as it was") {
  pplx::clear_param_store();
  const auto x = torch::linspace(-1, 1, 10);
  const pplx::Trace reference = run_nested(x, FailAt::nowhere);
  REQUIRE(reference.contains("loc"));

  for (FailAt fail_at : {FailAt::user_code, FailAt::shape_error, FailAt::duplicate_site}) {
    CAPTURE(static_cast<int>(fail_at));
    {
      // Inside an outer handler the test owns: that one must survive the unwinding.
      auto outer = h::trace();
      REQUIRE(pplx::handler_stack().size() == 1);
      if (fail_at == FailAt::user_code) {
        CHECK_THROWS_AS(run_nested(x, fail_at), std::runtime_error);
      } else if (fail_at == FailAt::shape_error) {
        CHECK_THROWS_AS(run_nested(x, fail_at), pplx::ShapeError);
      } else {
        CHECK_THROWS_AS(run_nested(x, fail_at), pplx::SiteError);
      }
      check_clean_state(1);
      CHECK(pplx::handler_stack().back() == &outer);
    }
    check_clean_state(0);

    // The next run is indistinguishable from one in a fresh state: same sites, same draws.
    pplx::Trace again = run_nested(x, FailAt::nowhere);
    REQUIRE(again.size() == reference.size());
    CHECK(torch::equal(again.at("loc").value, reference.at("loc").value));
    CHECK(torch::equal(again.at("data").value, reference.at("data").value));
    CHECK(again.at("x").scale == doctest::Approx(0.5 * 10.0 / 4.0));
  }
  check_clean_state(0);
}

TEST_CASE("exception safety: wrapper-form handlers unwind too") {
  const auto x = torch::linspace(-1, 1, 10);
  auto wrapped = h::trace(h::scale(h::seed([&] { model(x, FailAt::user_code); }, 3), 2.0));
  CHECK_THROWS_AS(wrapped.get_trace(), std::runtime_error);
  check_clean_state(0);
  auto ok = h::trace(h::scale(h::seed([&] { model(x, FailAt::nowhere); }, 3), 2.0)).get_trace();
  CHECK(ok.size() == 3);
}

TEST_CASE("exception safety: an error raised inside a handler (strict replay) unwinds") {
  auto guide = [] {};  // samples nothing: replaying the model against it must fail at "loc"
  auto guide_tr = h::trace(guide).get_trace();
  const auto x = torch::linspace(-1, 1, 10);
  CHECK_THROWS_AS(h::trace(h::replay([&] { model(x, FailAt::nowhere); }, guide_tr)).get_trace(), pplx::SiteError);
  check_clean_state(0);
}

TEST_CASE("exception safety: a plate whose constructor throws releases its dim") {
  // Replaying a trace whose plate "data" has another size makes the plate's own site throw
  // inside the PlateMessenger constructor, after it pushed itself and took a dim.
  auto tr = h::trace([] { pplx::plate data("data", 5); }).get_trace();
  {
    auto outer = h::trace();
    CHECK_THROWS_AS(h::replay([] { pplx::plate data("data", 6); }, tr)(), pplx::ShapeError);
    check_clean_state(1);
  }
  check_clean_state(0);
}

TEST_CASE("exception safety: param store scope and validation flag are restored") {
  pplx::ParamStore mine;
  pplx::clear_param_store();
  CHECK(pplx::is_validation_enabled());
  try {
    pplx::ParamStoreScope use(mine);
    pplx::ValidationScope off(false);
    pplx::param("created_before_the_throw", torch::ones({2}));
    throw std::runtime_error("guide failed");
  } catch (const std::runtime_error&) {
  }
  CHECK(&pplx::get_param_store() != &mine);
  CHECK(pplx::is_validation_enabled());
  CHECK(mine.contains("created_before_the_throw"));  // like Pyro: params made before the error stay
  CHECK_FALSE(pplx::get_param_store().contains("created_before_the_throw"));
}

TEST_CASE("exception safety: scopes ended out of order corrupt the stack until reset") {
  auto first = std::make_unique<h::TraceMessenger>();
  auto second = std::make_unique<h::TraceMessenger>();
  REQUIRE(pplx::handler_stack().size() == 2);
  first.reset();  // wrong order: `second` was entered after `first` and is still active
  // The dead handler is gone from the stack, so nothing can call into it ...
  CHECK(pplx::handler_stack().size() == 1);
  CHECK(pplx::handler_stack().back() == second.get());
  // ... and every primitive fails loudly instead of running with half a stack.
  pplx_test::expect_error<pplx::Error>(
      [] { pplx::sample("z", dist::Normal(0.0, 1.0)); },
      {"corrupt handler stack", "handler 'trace' was exited while handler 'trace'", "reset_handler_stack"});
  pplx_test::expect_error<pplx::Error>([] { pplx::param("p", torch::zeros({})); }, {"corrupt handler stack", "'p'"});
  second.reset();
  CHECK(pplx::handler_stack().empty());
  CHECK_THROWS_AS(pplx::sample("z", dist::Normal(0.0, 1.0)), pplx::Error);  // still flagged

  pplx::reset_handler_stack();
  auto tr = h::trace([] { pplx::sample("z", dist::Normal(0.0, 1.0)); }).get_trace();
  CHECK(tr.size() == 1);
  check_clean_state(0);
}

TEST_CASE("exception safety: reset_handler_stack with handlers still alive is harmless") {
  auto a = std::make_unique<h::TraceMessenger>();
  auto b = std::make_unique<h::ScaleMessenger>(2.0);
  a.reset();
  pplx::reset_handler_stack();
  b.reset();  // no longer on the stack: its destructor must neither crash nor re-corrupt
  CHECK(pplx::handler_stack().empty());
  CHECK_NOTHROW(h::trace([] { pplx::sample("z", dist::Normal(0.0, 1.0)); }).get_trace());
}
