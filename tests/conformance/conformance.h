// SPDX-License-Identifier: Apache-2.0
// The checker interface of pplx-conformance. Each check_<kind>.cpp registers one checker for one
// kind of reference file (distributions.json, kl.json, ...); main.cpp hands every file to the
// first checker that accepts it and prints the summary.
//
// Writing a checker:
//
//   namespace {
//   void run(const Json& doc, Report& report) {
//     for (const Json& c : doc["cases"].as_array())
//       report.check(c["name"].as_string(), [&](Checks& checks) {
//         expect_close(checks, "loss", compute_loss(c), c["loss"]);
//       });
//   }
//   const RegisterChecker registered{{"elbo", [](const Json& d) { return d.contains("cases") && ...; }, run}};
//   }  // namespace
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "json.h"

namespace pplx {
namespace conformance {

/// The README's tolerance: |actual - expected| <= abs + rel * |expected|.
struct Tolerance {
  double rel = 1e-6;
  double abs = 1e-9;
};

/// The failures of one case's checks, collected by Report::check.
class Checks {
 public:
  void fail(const std::string& why) { failures_.push_back(why); }
  bool ok() const { return failures_.empty(); }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  std::vector<std::string> failures_;
};

/// Counts cases and prints one line per failing case. Not thread-safe.
class Report {
 public:
  /// Counts a passed case.
  void pass();
  /// Counts a failed case and prints `FAIL <case_name>: <why>`.
  void fail(const std::string& case_name, const std::string& why);
  /// Runs `body` as one case: it passes when body records no failure and throws nothing (an
  /// exception fails the case with its message).
  void check(const std::string& case_name, const std::function<void(Checks&)>& body);

  int passed() const { return passed_; }
  int failed() const { return failed_; }
  /// Prefix put before every case name (main sets it to the file's kind, e.g. "kl").
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }

 private:
  int passed_ = 0;
  int failed_ = 0;
  std::string prefix_;
};

/// Compares `actual` with the tensor object `expected` as the README demands: same shape and
/// dtype; int64/bool data equal; every non-finite float of the same kind (NaN, +inf, -inf);
/// finite floats within `tol`. Records a failure naming `what` and returns false on mismatch.
/// `expected` may also be a bare number (compared with a 0-dim or 1-element tensor).
bool expect_close(Checks& checks, const std::string& what, const at::Tensor& actual, const Json& expected,
                  Tolerance tol = {});
/// The same against an expected tensor (float64, int64 or bool).
bool expect_close(Checks& checks, const std::string& what, const at::Tensor& actual, const at::Tensor& expected,
                  Tolerance tol = {});
/// The same for a plain number.
bool expect_close(Checks& checks, const std::string& what, double actual, const Json& expected, Tolerance tol = {});
/// Checks equality of two shapes (e.g. batch_shape against a JSON list of ints).
bool expect_shape(Checks& checks, const std::string& what, c10::IntArrayRef actual, const Json& expected);

/// Runs `fn` and records a failure unless it throws an exception of type E (e.g. pplx::Error).
template <class E, class F>
bool expect_throws(Checks& checks, const std::string& what, F&& fn) {
  try {
    fn();
  } catch (const E&) {
    return true;
  } catch (const std::exception& e) {
    checks.fail(what + ": threw the wrong exception type: " + e.what());
    return false;
  }
  checks.fail(what + ": did not throw");
  return false;
}

/// One checker: a kind name, whether a document is of that kind, and how to check it.
struct Checker {
  std::string kind;
  std::function<bool(const Json& document)> accepts;
  std::function<void(const Json& document, Report& report)> run;
};

/// All registered checkers, ordered by kind.
const std::vector<Checker>& checkers();

/// Registers a checker from a namespace-scope static object in its check_<kind>.cpp.
struct RegisterChecker {
  explicit RegisterChecker(Checker checker);
};

}  // namespace conformance
}  // namespace pplx
