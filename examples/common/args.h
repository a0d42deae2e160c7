// SPDX-License-Identifier: Apache-2.0
// The command-line flags every example understands: --ci, --full, --steps N, --seed N, --device D.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <c10/util/Optional.h>

namespace pplx {
namespace examples {

/// Parsed command line of an example. Three sizes: --ci (tiny, what CTest runs), the default, and
/// --full (the published setting; may take long).
struct Args {
  bool ci = false;
  bool full = false;
  c10::optional<int64_t> steps;  ///< --steps N overrides the mode's step count
  uint64_t seed = 0;             ///< --seed N (default 0)
  /// --device cpu|cuda|cuda:N (default cpu): where the example puts its data, networks and
  /// parameters. A plain `cuda` is stored as cuda:0, the device tensors report, so that it compares
  /// equal to their device().
  c10::Device device = c10::Device(c10::kCPU);
  /// Values of the extra options an example declared (e.g. {"--save", "model.pplx"}).
  std::map<std::string, std::string> options;

  /// --steps when given, else the count for the current mode.
  int64_t steps_or(int64_t ci_steps, int64_t default_steps, int64_t full_steps) const {
    if (steps) return *steps;
    return ci ? ci_steps : full ? full_steps : default_steps;
  }
  /// Picks a value by mode (ci, default, full).
  template <class T>
  T by_mode(T ci_value, T default_value, T full_value) const {
    return ci ? ci_value : full ? full_value : default_value;
  }
  bool has(const std::string& option) const { return options.count(option) != 0; }
  std::string get(const std::string& option, const std::string& fallback = "") const {
    auto it = options.find(option);
    return it == options.end() ? fallback : it->second;
  }
};

/// Parses argv. `extra_options` are further "--name VALUE" options the example accepts. Prints a
/// usage line and exits with status 2 on an unknown flag, a bad number or a bad device; --help exits
/// with 0. Asking for a CUDA device that this LibTorch build or machine lacks exits with 2 and says
/// how to build against a CUDA LibTorch. Prints `device: <device>`, the device the example uses.
///
///   auto args = pplx::examples::parse_args(argc, argv, "Bayesian MLP on Fashion-MNIST");
Args parse_args(int argc, char** argv, const std::string& description,
                const std::vector<std::string>& extra_options = {});

}  // namespace examples
}  // namespace pplx
