// SPDX-License-Identifier: Apache-2.0
// Builds pplx archive bytes by hand, independently of pplx/archive.cpp: the fuzz target and the
// reliability suite use it to wrap arbitrary payloads in a header with a valid checksum, so that
// mutations reach the record parser instead of all stopping at the checksum.
// Layout (little-endian, see pplx/archive.cpp): "PPLXARCH" | u32 version | u32 kind length | kind |
// u64 payload length | payload | u32 crc32(payload).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pplx_test {

/// Standard CRC-32 (IEEE 802.3, zlib's crc32), bitwise: small and obviously independent of zlib.
inline uint32_t crc32_ieee(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

template <class T>
void put_le(std::vector<uint8_t>& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
}

/// A complete archive around `payload` with a correct length and checksum.
inline std::vector<uint8_t> wrap_payload(const uint8_t* payload, size_t n, const std::string& kind = "params",
                                         uint32_t version = 1) {
  std::vector<uint8_t> out = {'P', 'P', 'L', 'X', 'A', 'R', 'C', 'H'};
  put_le<uint32_t>(out, version);
  put_le<uint32_t>(out, static_cast<uint32_t>(kind.size()));
  out.insert(out.end(), kind.begin(), kind.end());
  put_le<uint64_t>(out, n);
  out.insert(out.end(), payload, payload + n);
  put_le<uint32_t>(out, crc32_ieee(payload, n));
  return out;
}

/// Offset of the payload in an archive with this kind (the header's size).
inline size_t payload_offset(const std::string& kind = "params") { return 8 + 4 + 4 + kind.size() + 8; }

}  // namespace pplx_test
