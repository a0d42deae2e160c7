// SPDX-License-Identifier: Apache-2.0
// Helpers for the reliability suite: run a callable, demand a pplx error of a given type, and
// check that its message carries the pieces a user needs (site, shapes or values, the fix).
#pragma once

#include <exception>
#include <initializer_list>
#include <string>
#include <typeinfo>

#include <doctest/doctest.h>

#include <pplx/error.h>

namespace pplx_test {

/// Runs `fn` and returns the message of the `E` it throws. Any other outcome fails the test:
/// no exception, a std::exception that is not an `E` (a raw c10::Error leaking out counts), or
/// anything else.
template <class E, class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    const std::string why =
        std::string("expected a ") + typeid(E).name() + ", got a " + typeid(e).name() + ": " + e.what();
    FAIL_CHECK(why);
    return {};
  }
  const std::string why = std::string("expected a ") + typeid(E).name() + ", but nothing was thrown";
  FAIL_CHECK(why);
  return {};
}

/// Checks that `message` contains every one of `parts` (reported one by one on failure).
inline void check_mentions(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* p : parts) {
    const std::string missing = std::string("missing \"") + p + "\"";
    INFO("message: " << message);
    CHECK_MESSAGE(message.find(p) != std::string::npos, missing);
  }
}

/// error_message + check_mentions in one call; returns the message for further checks.
template <class E, class Fn>
std::string expect_error(Fn&& fn, std::initializer_list<const char*> parts) {
  std::string m = error_message<E>(std::forward<Fn>(fn));
  if (!m.empty()) check_mentions(m, parts);
  return m;
}

}  // namespace pplx_test
