// SPDX-License-Identifier: Apache-2.0
#include <memory>

#include <doctest/doctest.h>

#include "fixtures.h"

using namespace fixtures;
namespace h = pplx::handlers;

TEST_CASE("stack: a model that throws mid-trace leaves the handler stack as it was") {
  REQUIRE(pplx::handler_stack().empty());
  auto bad_model = [] {
    pplx::sample("ok", dist::Normal(0.0, 1.0));
    pplx::plate p("p", 3);
    auto s = h::scale(2.0);
    throw std::runtime_error("model failed");
  };
  CHECK_THROWS_WITH(h::trace(h::seed(bad_model, 1)).get_trace(), "model failed");
  CHECK(pplx::handler_stack().empty());
  auto tr = h::trace([] {
              pplx::plate p("p", 3);
              pplx::sample("z", dist::Normal(0.0, 1.0));
            }).get_trace();
  CHECK(tr.at("z").plates.size() == 1);
  CHECK(tr.at("z").plates[0].dim == -1);  // the dim of the failed plate was released
}

TEST_CASE("stack: handlers exited out of order make the next primitive fail loudly") {
  auto outer = std::make_unique<h::TraceMessenger>();
  auto inner = std::make_unique<h::ScaleMessenger>(2.0);
  outer.reset();  // wrong order: the scale entered after it is still active
  auto msg = error_message([] { pplx::sample("z", dist::Normal(0.0, 1.0)); });
  CHECK(msg.find("corrupt handler stack at sample site 'z'") != std::string::npos);
  CHECK(msg.find("handler 'trace' was exited while handler 'scale'") != std::string::npos);
  inner.reset();
  pplx::reset_handler_stack();
  CHECK_NOTHROW(h::trace([] { pplx::sample("z", dist::Normal(0.0, 1.0)); }).get_trace());
}
