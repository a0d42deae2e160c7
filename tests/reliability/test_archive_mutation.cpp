// SPDX-License-Identifier: Apache-2.0
// Bounded random-mutation testing of io::parse_archive (issue #7), the CI-sized companion of the
// libFuzzer target tests/fuzz/fuzz_archive.cpp: mutated, truncated and extended variants of a
// valid file, half of them re-wrapped with a valid checksum so that the mutations reach the record
// parser. The parser must never crash or read out of bounds (the sanitizer build checks the
// latter), and every rejection must be a pplx::IOError.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/archive.h>
#include <pplx/error.h>

#include "fuzz/archive_bytes.h"

namespace {

using Bytes = std::vector<uint8_t>;

// The payload of a valid "params" archive with a few records of different dtypes and ranks.
Bytes valid_payload() {
  std::vector<pplx::io::Record> records = {
      {"w", "real", torch::arange(6, torch::kFloat).reshape({2, 3})},
      {"scale", "positive", torch::full({}, 0.5, torch::kDouble)},
      {"probs", "simplex", torch::tensor({0.2, 0.3, 0.5})},
      {"n", "", torch::tensor({1, 2}, torch::kLong)},
      {"empty", "interval -1 1", torch::zeros({0, 4})},
  };
  // Encode exactly as write_archive does, then strip the header and checksum.
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                           "/pplx_mutation_seed." + std::to_string(::getpid());
  pplx::io::write_archive(path, "params", records);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  Bytes file;
  for (int c; (c = std::fgetc(f)) != EOF;) file.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  std::remove(path.c_str());
  const size_t off = pplx_test::payload_offset("params");
  return Bytes(file.begin() + off, file.end() - 4);
}

// Values that tend to break length and size arithmetic.
constexpr uint64_t kInteresting[] = {0,
                                     1,
                                     2,
                                     7,
                                     8,
                                     0x7F,
                                     0x80,
                                     0xFF,
                                     0x100,
                                     0xFFFF,
                                     0x7FFFFFFF,
                                     0x80000000,
                                     0xFFFFFFFF,
                                     0x100000000ull,
                                     (1ull << 40) - 1,
                                     1ull << 40,
                                     0x7FFFFFFFFFFFFFFFull,
                                     0x8000000000000000ull,
                                     0xFFFFFFFFFFFFFFFFull};

// One random mutation of `b` (may change its length).
void mutate(Bytes& b, std::mt19937_64& rng) {
  auto pos = [&](size_t extra = 0) { return b.empty() ? size_t(0) : size_t(rng() % (b.size() + extra)); };
  switch (rng() % 9) {
    case 0:  // flip one bit
      if (!b.empty()) b[pos()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 1:  // overwrite a byte
      if (!b.empty()) b[pos()] = static_cast<uint8_t>(rng());
      break;
    case 2:  // truncate
      b.resize(pos(1));
      break;
    case 3:  // extend with random bytes
      for (size_t k = rng() % 16 + 1; k-- > 0;) b.push_back(static_cast<uint8_t>(rng()));
      break;
    case 4: {  // insert a byte
      size_t p = pos(1);
      b.insert(b.begin() + p, static_cast<uint8_t>(rng()));
      break;
    }
    case 5:  // delete a range
      if (!b.empty()) {
        size_t p = pos(), n = std::min<size_t>(rng() % 8 + 1, b.size() - p);
        b.erase(b.begin() + p, b.begin() + p + n);
      }
      break;
    case 6: {  // duplicate a chunk
      if (b.empty()) break;
      size_t p = pos(), n = std::min<size_t>(rng() % 16 + 1, b.size() - p);
      Bytes chunk(b.begin() + p, b.begin() + p + n);
      b.insert(b.begin() + pos(1), chunk.begin(), chunk.end());
      break;
    }
    default: {  // an interesting u8/u32/u64 at a random place (lengths, counts, sizes)
      const uint64_t v = kInteresting[rng() % (sizeof kInteresting / sizeof kInteresting[0])];
      const size_t width = size_t(1) << (rng() % 4);  // 1, 2, 4 or 8 bytes
      if (b.size() < width) break;
      size_t p = rng() % (b.size() - width + 1);
      for (size_t k = 0; k < width; ++k) b[p + k] = static_cast<uint8_t>(v >> (8 * k));
      break;
    }
  }
}

}  // namespace

TEST_CASE("archive mutation: 20000 damaged variants never crash and are rejected with IOError") {
  const Bytes payload = valid_payload();
  const Bytes file = pplx_test::wrap_payload(payload.data(), payload.size());
  REQUIRE(pplx::io::parse_archive(file.data(), file.size(), "params", "seed").size() == 5);

  std::mt19937_64 rng(20240607);
  constexpr int kVariants = 20000;
  int accepted = 0, rejected = 0, other_errors = 0;
  for (int i = 0; i < kVariants; ++i) {
    // Even variants mutate the whole file (header, lengths, checksum); odd ones mutate the payload
    // and re-wrap it with a correct checksum, which is what reaches the record parser.
    const bool rewrap = i % 2 == 1;
    Bytes b = rewrap ? payload : file;
    for (int m = 1 + static_cast<int>(rng() % 4); m-- > 0;) mutate(b, rng);
    if (rewrap) b = pplx_test::wrap_payload(b.data(), b.size());
    // Copy into an exactly-sized heap buffer so AddressSanitizer catches any read past the end.
    std::unique_ptr<uint8_t[]> exact(new uint8_t[b.size() + 1]);
    if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
    try {
      auto records = pplx::io::parse_archive(b.empty() ? nullptr : exact.get(), b.size(), "params", "variant");
      ++accepted;
      for (const auto& r : records) {
        // Whatever was accepted is a well-formed tensor of the sizes it claims.
        CHECK(r.tensor.defined());
        CHECK(r.tensor.is_contiguous());
      }
    } catch (const pplx::IOError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ++other_errors;
      FAIL_CHECK("variant " << i << " raised a non-IOError: " << std::string(e.what()));
    }
  }
  MESSAGE("archive mutation: " << kVariants << " variants, " << accepted
                               << " accepted (mutations of tensor "
                                  "data or names under a fixed-up checksum), "
                               << rejected << " rejected with IOError");
  CHECK(other_errors == 0);
  CHECK(accepted + rejected == kVariants);
  CHECK(rejected > kVariants / 2);  // the un-rewrapped half can essentially only be rejected
  CHECK(accepted > 0);              // and the rewrapped half does reach the end of the parser
}

TEST_CASE("archive mutation: hostile record headers under a valid checksum") {
  // Hand-built payloads with extreme counts, lengths, ranks and sizes.
  auto record = [](Bytes& out, const std::string& name, uint8_t dtype, std::vector<int64_t> sizes, uint64_t nbytes,
                   size_t data_bytes) {
    pplx_test::put_le<uint32_t>(out, static_cast<uint32_t>(name.size()));
    out.insert(out.end(), name.begin(), name.end());
    pplx_test::put_le<uint32_t>(out, 0);  // meta
    out.push_back(dtype);
    out.push_back(static_cast<uint8_t>(sizes.size()));
    for (int64_t s : sizes) pplx_test::put_le<int64_t>(out, s);
    pplx_test::put_le<uint64_t>(out, nbytes);
    out.insert(out.end(), data_bytes, 0);
  };
  auto parse = [](const Bytes& payload) {
    auto f = pplx_test::wrap_payload(payload.data(), payload.size());
    return pplx::io::parse_archive(f.data(), f.size(), "params", "hostile");
  };
  auto one = [&](std::vector<int64_t> sizes, uint64_t nbytes, size_t data_bytes, uint8_t dtype = 1) {
    Bytes p;
    pplx_test::put_le<uint32_t>(p, 1);
    record(p, "x", dtype, std::move(sizes), nbytes, data_bytes);
    return p;
  };
  const int64_t big = int64_t(1) << 39;

  CHECK(parse(one({2, 3}, 24, 24)).at(0).tensor.sizes() == c10::IntArrayRef{2, 3});  // sanity: valid
  CHECK_THROWS_AS(parse(one({-1}, 0, 0)), pplx::IOError);                            // negative size
  CHECK_THROWS_AS(parse(one({big, big}, 0, 0)), pplx::IOError);                      // numel overflow
  // Found by fuzzing: 3*2^32 x 3*2^35 wraps around to 0 elements in 64 bits, which a running
  // product accepted with 0 data bytes; LibTorch then threw a raw c10::Error.
  CHECK_THROWS_AS(parse(one({int64_t(3) << 32, int64_t(3) << 35}, 0, 0)), pplx::IOError);
  CHECK_THROWS_AS(parse(one({2, 3}, 23, 23)), pplx::IOError);      // byte count mismatch
  CHECK_THROWS_AS(parse(one({2, 3}, 24, 10)), pplx::IOError);      // data missing
  CHECK_THROWS_AS(parse(one({2, 3}, 24, 24, 99)), pplx::IOError);  // unknown dtype
  CHECK_THROWS_AS(parse(one({2, 3}, 24, 30)), pplx::IOError);      // trailing bytes
  // A zero-sized dim beside huge ones: no data, but strides of 2^78 would overflow int64 inside
  // LibTorch, so the sizes are bounded with 0 counted as 1.
  CHECK_THROWS_AS(parse(one({0, big, big}, 0, 0)), pplx::IOError);
  CHECK(parse(one({0, big}, 0, 0)).at(0).tensor.sizes() == c10::IntArrayRef{0, big});  // legal and empty
  // 255 dims of size 1: a legal rank-255 scalar-sized tensor or an IOError, never a crash.
  try {
    auto r = parse(one(std::vector<int64_t>(255, 1), 4, 4));
    CHECK(r.at(0).tensor.numel() == 1);
  } catch (const pplx::IOError&) {
  }
  // A record count far beyond the data.
  Bytes many;
  pplx_test::put_le<uint32_t>(many, 0xFFFFFFFFu);
  CHECK_THROWS_AS(parse(many), pplx::IOError);
  // A name length beyond the data, and beyond the 1 MiB limit.
  Bytes long_name;
  pplx_test::put_le<uint32_t>(long_name, 1);
  pplx_test::put_le<uint32_t>(long_name, 0xFFFFFFF0u);
  CHECK_THROWS_AS(parse(long_name), pplx::IOError);
}
