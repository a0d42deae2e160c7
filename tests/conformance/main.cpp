// SPDX-License-Identifier: Apache-2.0
// pplx-conformance FILE.json...: checks pplx against reference values computed with torch/Pyro.
// Prints one line per failing case and `conformance: N passed, M failed`; exits 1 when M > 0.
#include <iostream>
#include <string>

#include "conformance.h"

namespace {
// The header fields every reference file carries (see the README's conventions).
std::string header_problem(const pplx::conformance::Json& doc) {
  const auto* version = doc.find("format_version");
  if (!version || !version->is_number() || version->as_int() != 1) return "format_version is not 1";
  const auto* dtype = doc.find("dtype");
  if (!dtype || !dtype->is_string() || dtype->as_string() != "float64") return "dtype is not float64";
  return "";
}
}  // namespace

int main(int argc, char** argv) {
  using namespace pplx::conformance;
  if (argc < 2) {
    std::cerr << "usage: pplx-conformance FILE.json...\n"
              << "Checks pplx against reference files (distributions, kl, transforms, ...).\n";
    return 2;
  }
  Report report;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    report.set_prefix(path);
    Json doc;
    try {
      doc = Json::parse_file(path);
    } catch (const std::exception& e) {
      report.fail("(file)", e.what());
      continue;
    }
    if (auto problem = header_problem(doc); !problem.empty()) {
      report.fail("(file)", problem);
      continue;
    }
    const Checker* checker = nullptr;
    for (const auto& c : checkers())
      if (c.accepts(doc)) {
        checker = &c;
        break;
      }
    if (!checker) {
      report.fail("(file)", "no checker accepts this file (a kind pplx-conformance does not check yet)");
      continue;
    }
    report.set_prefix(checker->kind);
    try {
      checker->run(doc, report);
    } catch (const std::exception& e) {
      report.fail("(file)", std::string("the ") + checker->kind + " checker stopped: " + e.what());
    }
  }
  std::cout << "conformance: " << report.passed() << " passed, " << report.failed() << " failed" << std::endl;
  return report.failed() > 0 ? 1 : 0;
}
