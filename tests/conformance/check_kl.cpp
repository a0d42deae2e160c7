// SPDX-License-Identifier: Apache-2.0
// kl.json: analytic KL(p || q) for pairs of distributions.
#include <pplx/distributions/kl.h>

#include "build_distribution.h"
#include "conformance.h"

namespace pplx {
namespace conformance {
namespace {

void run_kl(const Json& doc, Report& report) {
  for (const auto& entry : doc["pairs"].items()) {
    const std::string& pair = entry.first;
    for (const Json& c : entry.second.as_array()) {
      report.check(pair + "/" + c["name"].as_string(), [&](Checks& checks) {
        auto p = distribution_from_json(c["p"]);
        auto q = distribution_from_json(c["q"]);
        if (!distributions::has_kl(p, q)) checks.fail("has_kl(p, q) is false");
        expect_close(checks, "kl", distributions::kl_divergence(p, q), c["kl"]);
      });
    }
  }
}

const RegisterChecker registered_kl{{"kl", [](const Json& d) { return d.contains("pairs"); }, run_kl}};

}  // namespace
}  // namespace conformance
}  // namespace pplx
