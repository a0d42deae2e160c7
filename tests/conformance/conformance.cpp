// SPDX-License-Identifier: Apache-2.0
#include "conformance.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/error.h>

namespace pplx {
namespace conformance {
namespace {

std::vector<Checker>& registry() {
  static std::vector<Checker> r;
  return r;
}

std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string shape_of(c10::IntArrayRef s) { return distributions::shape_str(s); }

const char* json_dtype(at::ScalarType t) {
  switch (t) {
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

// Position of flat index i in `shape`, as [a, b, c].
std::string index_str(int64_t i, c10::IntArrayRef shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? i % shape[d] : 0;
    i = shape[d] ? i / shape[d] : 0;
  }
  return shape_of(idx);
}

const char* kind_of(double v) { return std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"); }

}  // namespace

void Report::pass() { ++passed_; }

void Report::fail(const std::string& case_name, const std::string& why) {
  ++failed_;
  std::cout << "FAIL " << (prefix_.empty() ? "" : prefix_ + ": ") << case_name << ": " << why << std::endl;
}

void Report::check(const std::string& case_name, const std::function<void(Checks&)>& body) {
  Checks checks;
  try {
    body(checks);
  } catch (const std::exception& e) {
    checks.fail(std::string("unexpected exception: ") + e.what());
  }
  if (checks.ok()) {
    pass();
    return;
  }
  std::string why;
  for (const auto& f : checks.failures()) why += (why.empty() ? "" : "; ") + f;
  fail(case_name, why);
}

bool expect_close(Checks& checks, const std::string& what, const at::Tensor& actual, const Json& expected_json,
                  Tolerance tol) {
  if (is_tensor_json(expected_json)) return expect_close(checks, what, actual, tensor_from_json(expected_json), tol);
  const auto expected = at::scalar_tensor(expected_json.as_double(), at::TensorOptions().dtype(at::kDouble));
  if (actual.defined() && actual.numel() != 1) {
    checks.fail(what + ": expected one number, got shape " + shape_of(actual.sizes()));
    return false;
  }
  return expect_close(checks, what, actual.defined() ? actual.reshape({}) : actual, expected, tol);
}

bool expect_close(Checks& checks, const std::string& what, const at::Tensor& actual_in, const at::Tensor& expected_in,
                  Tolerance tol) {
  if (!actual_in.defined()) {
    checks.fail(what + ": pplx returned an undefined tensor");
    return false;
  }
  at::Tensor actual = actual_in.detach().cpu();
  at::Tensor expected = expected_in.detach().cpu();
  if (actual.scalar_type() != expected.scalar_type()) {
    checks.fail(what + ": dtype " + json_dtype(actual.scalar_type()) + ", expected " +
                json_dtype(expected.scalar_type()));
    return false;
  }
  if (actual.sizes() != expected.sizes()) {
    checks.fail(what + ": shape " + shape_of(actual.sizes()) + ", expected " + shape_of(expected.sizes()));
    return false;
  }
  auto a = actual.contiguous().reshape({-1});
  auto e = expected.contiguous().reshape({-1});
  const int64_t n = a.numel();
  int64_t bad = 0, first_bad = -1;
  double worst = 0.0;
  std::string first_why;
  if (expected.scalar_type() == at::kDouble) {
    const double* ap = a.data_ptr<double>();
    const double* ep = e.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) {
      const double x = ap[i], y = ep[i];
      bool ok;
      std::string why;
      if (std::isfinite(y)) {
        ok = std::isfinite(x) && std::fabs(x - y) <= tol.abs + tol.rel * std::fabs(y);
        if (std::isfinite(x)) worst = std::max(worst, std::fabs(x - y) / (tol.abs + tol.rel * std::fabs(y)));
        if (!ok) why = (std::isfinite(x) ? num(x) : std::string(kind_of(x))) + " vs expected " + num(y);
      } else {
        ok = !std::isfinite(x) && std::string(kind_of(x)) == kind_of(y);
        if (!ok) why = (std::isfinite(x) ? num(x) : std::string(kind_of(x))) + " vs expected " + kind_of(y);
      }
      if (!ok && bad++ == 0) {
        first_bad = i;
        first_why = why;
      }
    }
  } else {
    auto ne = a.ne(e);
    bad = ne.sum().item<int64_t>();
    if (bad) {
      first_bad = ne.nonzero()[0][0].item<int64_t>();
      first_why =
          std::to_string(a[first_bad].item<int64_t>()) + " vs expected " + std::to_string(e[first_bad].item<int64_t>());
    }
  }
  if (bad) {
    std::ostringstream os;
    os << what << ": " << bad << " of " << n << " elements differ";
    if (expected.dim() > 0) os << ", first at " << index_str(first_bad, expected.sizes());
    os << ": " << first_why;
    if (expected.scalar_type() == at::kDouble && worst > 1) os << " (worst error " << num(worst) << "x tolerance)";
    checks.fail(os.str());
    return false;
  }
  return true;
}

bool expect_close(Checks& checks, const std::string& what, double actual, const Json& expected, Tolerance tol) {
  return expect_close(checks, what, at::scalar_tensor(actual, at::TensorOptions().dtype(at::kDouble)), expected, tol);
}

bool expect_shape(Checks& checks, const std::string& what, c10::IntArrayRef actual, const Json& expected) {
  std::vector<int64_t> e;
  for (const auto& v : expected.as_array()) e.push_back(v.as_int());
  if (actual == c10::IntArrayRef(e)) return true;
  checks.fail(what + " " + shape_of(actual) + ", expected " + shape_of(e));
  return false;
}

const std::vector<Checker>& checkers() { return registry(); }

RegisterChecker::RegisterChecker(Checker checker) {
  auto& r = registry();
  r.push_back(std::move(checker));
  std::sort(r.begin(), r.end(), [](const Checker& a, const Checker& b) { return a.kind < b.kind; });
}

}  // namespace conformance
}  // namespace pplx
