// SPDX-License-Identifier: Apache-2.0
#include "args.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pplx {
namespace examples {
namespace {

[[noreturn]] void usage(const char* prog, const std::string& description, const std::vector<std::string>& extra,
                        const std::string& error) {
  std::ostream& os = error.empty() ? std::cout : std::cerr;
  if (!error.empty()) os << prog << ": " << error << "\n";
  os << description << "\nusage: " << prog << " [--ci | --full] [--steps N] [--seed N]";
  for (const auto& e : extra) os << " [" << e << " VALUE]";
  os << "\n  --ci     tiny run for continuous integration (seconds)\n"
     << "  --full   the published setting (slow on a CPU)\n";
  std::exit(error.empty() ? 0 : 2);
}

int64_t to_int(const char* prog, const std::string& description, const std::vector<std::string>& extra,
               const std::string& flag, const std::string& s) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  usage(prog, description, extra, flag + " needs a non-negative integer, got '" + s + "'");
}

}  // namespace

Args parse_args(int argc, char** argv, const std::string& description, const std::vector<std::string>& extra) {
  // Progress lines appear as they are printed, also when stdout is a file or a pipe (tee).
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Args a;
  const char* prog = argc > 0 ? argv[0] : "example";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(prog, description, extra, flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(prog, description, extra, "");
    } else if (flag == "--ci") {
      a.ci = true;
    } else if (flag == "--full") {
      a.full = true;
    } else if (flag == "--steps") {
      a.steps = to_int(prog, description, extra, flag, value());
    } else if (flag == "--seed") {
      a.seed = static_cast<uint64_t>(to_int(prog, description, extra, flag, value()));
    } else if (std::find(extra.begin(), extra.end(), flag) != extra.end()) {
      a.options[flag] = value();
    } else {
      usage(prog, description, extra, "unknown argument '" + flag + "'");
    }
  }
  if (a.ci && a.full) usage(prog, description, extra, "--ci and --full exclude each other");
  return a;
}

}  // namespace examples
}  // namespace pplx
