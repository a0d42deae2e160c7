// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for io::parse_archive, the only code that reads bytes from untrusted files.
// Each input is parsed twice: as a whole file (magic, version, kind, lengths, checksum) and as a
// payload wrapped in a valid header and checksum, so that mutations also reach the record parser.
// Any exception other than pplx::IOError, any crash and any sanitizer report is a finding.
//
//   cmake -S tests/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz
//   build-fuzz/fuzz_archive -max_total_time=60 -max_len=4096 tests/fuzz/corpus
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <pplx/archive.h>
#include <pplx/error.h>

#include "fuzz/archive_bytes.h"

namespace {
void parse_or_die(const uint8_t* data, size_t size) {
  try {
    pplx::io::parse_archive(data, size, "params", "fuzz input");
  } catch (const pplx::IOError&) {
    // The expected outcome for damaged input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parse_archive raised a non-IOError: %s\n", e.what());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  parse_or_die(data, size);
  const auto wrapped = pplx_test::wrap_payload(data, size);
  parse_or_die(wrapped.data(), wrapped.size());
  return 0;
}
