// SPDX-License-Identifier: Apache-2.0
// A small, versioned, checksummed file of named tensors: parameter stores and optimizer states.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/Device.h>

namespace pplx {
namespace io {

/// One named tensor with free-form metadata (e.g. its constraint).
struct Record {
  std::string name;
  std::string meta;
  at::Tensor tensor;
};

/// Current format version; files with a larger version are rejected with a clear error.
constexpr uint32_t kArchiveVersion = 1;

/// Writes `records` to `path` crash-safely: the bytes go to a temporary file beside `path`, which
/// is flushed to disk and then renamed over `path`, so an interrupted save leaves the previous
/// file intact. `kind` ("params", "optim") is stored and checked on read. Throws pplx::IOError.
void write_archive(const std::string& path, const std::string& kind, const std::vector<Record>& records);

/// Reads an archive written by write_archive, verifying magic, version, kind, sizes and checksum
/// before using any byte. Tensors are moved to `device` when given. Throws pplx::IOError.
std::vector<Record> read_archive(const std::string& path, const std::string& kind,
                                 c10::optional<c10::Device> device = c10::nullopt);

/// Parses archive bytes already in memory (what read_archive does after reading the file).
/// `origin` names the source in error messages. Never reads outside [data, data + size).
std::vector<Record> parse_archive(const uint8_t* data, size_t size, const std::string& kind, const std::string& origin);

namespace testing {
/// Test hook: make the next write_archive on this thread fail after `bytes` bytes (simulates a
/// crash or a full disk mid-write). Negative disables.
void fail_next_write_after(int64_t bytes);
}  // namespace testing

}  // namespace io
}  // namespace pplx
