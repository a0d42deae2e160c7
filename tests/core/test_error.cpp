// SPDX-License-Identifier: Apache-2.0
// pplx/error.h: messages in parts, and rethrowing with context while keeping the error's type.
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include <pplx/error.h>

namespace {

template <class E>
void rethrows_as_itself() {
  try {
    try {
      throw E("shape ", c10::IntArrayRef{2, 3}, " is wrong");
    } catch (const pplx::Error&) {
      pplx::rethrow_with_message([](const std::exception& e) { return std::string("site 'z': ") + e.what(); });
    }
  } catch (const E& e) {
    CHECK(std::string(e.what()) == "site 'z': shape [2, 3] is wrong");
    return;
  }
  FAIL("the rethrown error lost its type");
}

}  // namespace

TEST_CASE("error: rethrow_with_message keeps every pplx error type and prefixes the message") {
  rethrows_as_itself<pplx::ShapeError>();
  rethrows_as_itself<pplx::ValueError>();
  rethrows_as_itself<pplx::SiteError>();
  rethrows_as_itself<pplx::NotImplementedError>();
  rethrows_as_itself<pplx::IOError>();
  rethrows_as_itself<pplx::Error>();
}

TEST_CASE("error: an exception that is not a pplx::Error passes rethrow_with_message unchanged") {
  try {
    try {
      throw std::out_of_range("index 7");
    } catch (const std::exception&) {
      pplx::rethrow_with_message([](const std::exception& e) { return std::string("never: ") + e.what(); });
    }
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()) == "index 7");
  }
}
