// SPDX-License-Identifier: Apache-2.0
// distributions.json: per family, the cases (shapes, support, moments, log_prob), the parameters
// that must be rejected, the degenerate ones that must be accepted and the values log_prob must
// reject.
#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

#include <pplx/distributions/distributions.h>
#include <pplx/error.h>

#include "build_distribution.h"
#include "conformance.h"

namespace pplx {
namespace conformance {
namespace {

namespace dist = pplx::distributions;
using constraints::ConstraintPtr;

// Interval bounds are per batch element, so they are compared after broadcasting to the batch
// shape: torch's own objects disagree on whether they keep the parameters' original shapes
// (the file's Uniform case stores low [2, 1] and high [3] for batch_shape [2, 3]).
void compare_bound(Checks& checks, const std::string& what, const at::Tensor& actual, const Json& expected_json,
                   c10::IntArrayRef batch_shape) {
  if (!actual.defined()) {
    checks.fail(what + ": pplx's support has no such bound");
    return;
  }
  at::Tensor expected = tensor_from_json(expected_json);
  at::Tensor a = actual.detach().cpu();
  if (a.sizes() != expected.sizes()) {
    try {
      auto shape = at::infer_size(at::infer_size(a.sizes(), expected.sizes()), batch_shape);
      a = a.expand(shape);
      expected = expected.expand(shape);
    } catch (const c10::Error&) {
      checks.fail(what + ": shape " + dist::shape_str(a.sizes()) + " does not broadcast with expected " +
                  dist::shape_str(expected.sizes()) + " and batch_shape " + dist::shape_str(batch_shape));
      return;
    }
  }
  expect_close(checks, what, a.contiguous(), expected.contiguous());
}

void compare_support(Checks& checks, const std::string& what, const ConstraintPtr& actual, const Json& expected,
                     c10::IntArrayRef batch_shape) {
  if (!actual) {
    checks.fail(what + ": null");
    return;
  }
  const std::string& name = expected["name"].as_string();
  if (actual->name() != name) {
    checks.fail(what + ": '" + actual->describe() + "', expected '" + name + "'");
    return;
  }
  if (const Json* lb = expected.find("lower_bound"))
    compare_bound(checks, what + ".lower_bound", actual->lower_bound(), *lb, batch_shape);
  if (const Json* ub = expected.find("upper_bound"))
    compare_bound(checks, what + ".upper_bound", actual->upper_bound(), *ub, batch_shape);
  if (name == "independent") {
    const int64_t n = expected["reinterpreted_batch_ndims"].as_int();
    if (actual->reinterpreted_batch_ndims() != n)
      checks.fail(what + ": reinterpreted_batch_ndims " + std::to_string(actual->reinterpreted_batch_ndims()) +
                  ", expected " + std::to_string(n));
    compare_support(checks, what + ".base", actual->base_constraint(), expected["base"], batch_shape);
  }
}

// A statistic given as null must be undefined in pplx too (NotImplementedError).
void compare_statistic(Checks& checks, const std::string& what, const std::function<at::Tensor()>& stat,
                       const Json& expected) {
  if (expected.is_null()) {
    expect_throws<NotImplementedError>(checks, what + " (undefined in torch)", stat);
    return;
  }
  at::Tensor actual;
  try {
    actual = stat();
  } catch (const std::exception& e) {
    checks.fail(what + ": threw " + e.what());
    return;
  }
  expect_close(checks, what, actual, expected);
}

void check_case(Checks& checks, const std::string& family, const Json& c) {
  dist::DistPtr d = build_distribution(family, c["params"], c["options"]);
  expect_shape(checks, "batch_shape", d->batch_shape(), c["batch_shape"]);
  expect_shape(checks, "event_shape", d->event_shape(), c["event_shape"]);
  compare_support(checks, "support", d->support(), c["support"], d->batch_shape());
  if (d->has_rsample() != c["has_rsample"].as_bool())
    checks.fail(std::string("has_rsample is ") + (d->has_rsample() ? "true" : "false"));
  compare_statistic(
      checks, "mean", [&] { return d->mean(); }, c["mean"]);
  compare_statistic(
      checks, "variance", [&] { return d->variance(); }, c["variance"]);
  compare_statistic(
      checks, "entropy", [&] { return d->entropy(); }, c["entropy"]);
  if (const Json* cov = c.find("covariance_matrix")) {
    auto mvn = std::dynamic_pointer_cast<const dist::MultivariateNormal>(d);
    if (!mvn) checks.fail("covariance_matrix: not a MultivariateNormal");
    else expect_close(checks, "covariance_matrix", mvn->covariance_matrix(), *cov);
  }
  const auto& values = c["values"].as_array();
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string what = "log_prob(values[" + std::to_string(i) + "])";
    try {
      expect_close(checks, what, d->log_prob(tensor_from_json(values[i]["value"])), values[i]["log_prob"]);
    } catch (const std::exception& e) {
      checks.fail(what + ": threw " + e.what());
    }
  }
  // Not in the file, but cheap to check: draws have the right shape and lie in the support.
  auto x = d->sample({2});
  auto want = d->extended_shape({2});
  if (x.sizes() != c10::IntArrayRef(want))
    checks.fail("sample({2}) has shape " + dist::shape_str(x.sizes()) + ", expected " + dist::shape_str(want));
  else if (!d->support()->check(x).all().item<bool>()) checks.fail("sample({2}) lies outside the support");
}

std::string label(const std::string& family, const char* kind, size_t i, const Json& entry) {
  std::string s = family + "/" + kind + "[" + std::to_string(i) + "]";
  if (const Json* why = entry.find("why")) s += " (" + why->as_string() + ")";
  return s;
}

void run_distributions(const Json& doc, Report& report) {
  for (const auto& entry : doc["distributions"].items()) {
    const std::string& family = entry.first;  // (lambdas cannot capture structured bindings in C++17)
    const Json& spec = entry.second;
    for (const Json& c : spec["cases"].as_array())
      report.check(family + "/" + c["name"].as_string(), [&](Checks& checks) { check_case(checks, family, c); });
    const auto& bad_params = spec["bad_params"].as_array();
    for (size_t i = 0; i < bad_params.size(); ++i)
      report.check(label(family, "bad_params", i, bad_params[i]), [&](Checks& checks) {
        expect_throws<pplx::Error>(checks, "construction", [&] {
          build_distribution(family, bad_params[i]["params"], bad_params[i]["options"]);
        });
      });
    const auto& edge = spec["accepted_edge_params"].as_array();
    for (size_t i = 0; i < edge.size(); ++i)
      report.check(label(family, "accepted_edge_params", i, edge[i]),
                   [&](Checks&) { build_distribution(family, edge[i]["params"], edge[i]["options"]); });
    const auto& bad_values = spec["bad_values"].as_array();
    for (size_t i = 0; i < bad_values.size(); ++i)
      report.check(label(family, "bad_values", i, bad_values[i]), [&](Checks& checks) {
        auto d = build_distribution(family, bad_values[i]["params"], bad_values[i]["options"]);
        auto v = tensor_from_json(bad_values[i]["value"]);
        expect_throws<pplx::Error>(checks, "log_prob", [&] { d->log_prob(v); });
      });
  }
}

const RegisterChecker registered_distributions{
    {"distributions", [](const Json& d) { return d.contains("distributions"); }, run_distributions}};

}  // namespace
}  // namespace conformance
}  // namespace pplx
