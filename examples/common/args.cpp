// SPDX-License-Identifier: Apache-2.0
#include "args.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <torch/cuda.h>

namespace pplx {
namespace examples {
namespace {

[[noreturn]] void usage(const char* prog, const std::string& description, const std::vector<std::string>& extra,
                        const std::string& error) {
  std::ostream& os = error.empty() ? std::cout : std::cerr;
  if (!error.empty()) os << prog << ": " << error << "\n";
  os << description << "\nusage: " << prog << " [--ci | --full] [--steps N] [--seed N] [--device cpu|cuda|cuda:N]";
  for (const auto& e : extra) os << " [" << e << " VALUE]";
  os << "\n  --ci       tiny run for continuous integration (seconds)\n"
     << "  --full     the published setting (slow on a CPU)\n"
     << "  --device   where data, networks and parameters live: cpu (default), cuda (= cuda:0) or cuda:N\n";
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

// --device: cpu, cuda or cuda:N. A plain `cuda` becomes cuda:0, the device tensors report.
c10::Device to_device(const char* prog, const std::string& description, const std::vector<std::string>& extra,
                      const std::string& s) {
  c10::optional<c10::Device> d;
  try {
    d = c10::Device(s);
  } catch (const std::exception&) {
  }
  if (!d || !(d->is_cpu() || d->is_cuda()))
    usage(prog, description, extra, "--device must be cpu, cuda or cuda:N, got '" + s + "'");
  if (d->is_cpu()) return c10::Device(c10::kCPU);
  if (!torch::cuda::is_available()) {
    std::cerr << prog << ": --device " << s << ": CUDA is not available: this LibTorch build or this machine has "
              << "no CUDA (no GPU, no driver, or a CPU-only LibTorch). Run with --device cpu, or build pplx against a "
              << "CUDA-enabled LibTorch on a machine with an NVIDIA GPU, e.g. PyTorch's:\n"
              << "  cmake -S . -B build -DCMAKE_PREFIX_PATH=$(python3 -c 'import torch.utils; "
              << "print(torch.utils.cmake_prefix_path)')\n";
    std::exit(2);
  }
  const auto count = static_cast<c10::DeviceIndex>(torch::cuda::device_count());
  const c10::DeviceIndex index = d->has_index() ? d->index() : 0;
  if (index >= count) {
    std::cerr << prog << ": --device " << s << ": this machine has " << static_cast<int>(count)
              << " CUDA device(s), cuda:0 to cuda:" << static_cast<int>(count) - 1 << "\n";
    std::exit(2);
  }
  return c10::Device(c10::kCUDA, index);
}

}  // namespace

Args parse_args(int argc, char** argv, const std::string& description, const std::vector<std::string>& extra) {
  // Progress lines appear as they are printed, also when stdout is a file or a pipe (tee).
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Args a;
  std::string device_arg = "cpu";
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
    } else if (flag == "--device") {
      device_arg = value();
    } else if (std::find(extra.begin(), extra.end(), flag) != extra.end()) {
      a.options[flag] = value();
    } else {
      usage(prog, description, extra, "unknown argument '" + flag + "'");
    }
  }
  if (a.ci && a.full) usage(prog, description, extra, "--ci and --full exclude each other");
  a.device = to_device(prog, description, extra, device_arg);
  std::cout << "device: " << a.device << "\n";
  return a;
}

}  // namespace examples
}  // namespace pplx
