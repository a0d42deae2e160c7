// SPDX-License-Identifier: Apache-2.0
// Parameter files that survive crashes (issue #7): an interrupted save leaves the previous file
// intact and no temporary file behind; load verifies magic, version, kind, lengths and checksum
// and rejects every damaged file with a pplx::IOError; a round trip keeps names, order, dtypes,
// constraints and bits, and maps devices.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/optim/pytorch_optimizers.h>
#include <pplx/pplx.h>

#include "fuzz/archive_bytes.h"
#include "reliability/error_matchers.h"

namespace fs = std::filesystem;
using pplx_test::expect_error;

namespace {

// A directory private to this test case and process; removed when the test ends.
struct TempDir {
  explicit TempDir(const std::string& tag)
      : path(fs::temp_directory_path() / ("pplx_reliability_" + tag + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path path;
};

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<pplx::io::Record> parse(const std::vector<uint8_t>& bytes, size_t n, const std::string& kind = "params") {
  return pplx::io::parse_archive(bytes.data(), n, kind, "<memory>");
}

// Fills `store` with two small params whose values depend on `offset`.
void fill(pplx::ParamStore& store, double offset) {
  store.set("w", torch::arange(3, torch::kFloat) + offset);
  store.set("s", torch::full({2}, 1.0 + offset, torch::kDouble), pplx::constraints::positive);
}

void check_same_store(const pplx::ParamStore& a, const pplx::ParamStore& b) {
  REQUIRE(a.names() == b.names());
  for (const auto& n : a.names()) {
    CAPTURE(n);
    const auto ua = a.get_unconstrained(n), ub = b.get_unconstrained(n);
    CHECK((ua.scalar_type() == ub.scalar_type()));
    CHECK(ua.sizes() == ub.sizes());
    CHECK(torch::equal(ua.cpu(), ub.cpu()));
    CHECK(torch::equal(a.get(n).cpu(), b.get(n).cpu()));
    CHECK(a.constraint(n)->name() == b.constraint(n)->name());
    CHECK(a.constraint(n)->args() == b.constraint(n)->args());
    CHECK(ub.requires_grad());
    CHECK(ub.is_leaf());
  }
}

}  // namespace

TEST_CASE("archive: an interrupted save leaves the previous file intact and no temp file") {
  TempDir dir("interrupted");
  const std::string path = dir.file("params.pplx");
  pplx::ParamStore old_store, new_store;
  fill(old_store, 0.0);
  fill(new_store, 10.0);
  old_store.save(path);
  const auto old_bytes = read_bytes(path);
  new_store.save(dir.file("reference.pplx"));
  const size_t full = read_bytes(dir.file("reference.pplx")).size();
  REQUIRE(full > 40);

  for (size_t cut : {size_t(0), size_t(1), size_t(8), size_t(20), full / 2, full - 1, full}) {
    CAPTURE(cut);
    pplx::io::testing::fail_next_write_after(static_cast<int64_t>(cut));
    expect_error<pplx::IOError>([&] { new_store.save(path); },
                                {path.c_str(), "injected failure", "previous file, if any, is unchanged"});
    CHECK(read_bytes(path) == old_bytes);
    CHECK(dir.entries() == std::vector<std::string>{"params.pplx", "reference.pplx"});  // no *.tmp.* left
    pplx::ParamStore loaded;
    loaded.load(path);
    check_same_store(old_store, loaded);
  }

  // The hook fires once: the next save goes through and replaces the file.
  new_store.save(path);
  pplx::ParamStore loaded;
  loaded.load(path);
  check_same_store(new_store, loaded);
  CHECK(dir.entries() == std::vector<std::string>{"params.pplx", "reference.pplx"});
}

TEST_CASE("archive: an interrupted first save creates no file") {
  TempDir dir("first_save");
  pplx::ParamStore store;
  fill(store, 0.0);
  pplx::io::testing::fail_next_write_after(5);
  CHECK_THROWS_AS(store.save(dir.file("params.pplx")), pplx::IOError);
  CHECK(dir.entries().empty());
  expect_error<pplx::IOError>([&] { store.save(dir.file("no_such_dir/params.pplx")); },
                              {"cannot open", "no_such_dir", "No such file or directory"});
}

TEST_CASE("archive: every truncation of a small file is rejected") {
  TempDir dir("truncated");
  pplx::ParamStore store;
  fill(store, 0.0);
  store.save(dir.file("params.pplx"));
  const auto bytes = read_bytes(dir.file("params.pplx"));
  REQUIRE(parse(bytes, bytes.size()).size() == 2);
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(parse(bytes, n), pplx::IOError);
  }
  // And through the file API, for a few lengths, with a message that says what happened.
  for (size_t n : {size_t(0), size_t(7), size_t(30), bytes.size() - 1}) {
    CAPTURE(n);
    const std::string path = dir.file("cut.pplx");
    write_bytes(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
    expect_error<pplx::IOError>([&] { pplx::ParamStore().load(path); }, {path.c_str(), "truncated"});
  }
}

TEST_CASE("archive: every single-byte change is rejected") {
  pplx::ParamStore store;
  fill(store, 0.0);
  TempDir dir("flipped");
  store.save(dir.file("params.pplx"));
  const auto bytes = read_bytes(dir.file("params.pplx"));
  size_t checksum_errors = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
      CAPTURE(i);
      CAPTURE(int(flip));
      auto damaged = bytes;
      damaged[i] ^= flip;
      try {
        parse(damaged, damaged.size());
        FAIL_CHECK("a damaged file was accepted");
      } catch (const pplx::IOError& e) {
        checksum_errors += std::string(e.what()).find("checksum mismatch") != std::string::npos;
      }
    }
  }
  // Damage inside the payload is caught by the checksum (everything past the 30-byte header).
  CHECK(checksum_errors >= 3 * (bytes.size() - pplx_test::payload_offset() - 4));
}

TEST_CASE("archive: version, kind, trailing bytes and garbage") {
  pplx::ParamStore store;
  fill(store, 0.0);
  TempDir dir("header");
  store.save(dir.file("params.pplx"));
  const auto bytes = read_bytes(dir.file("params.pplx"));

  auto with_version = [&](uint32_t v) {
    auto b = bytes;
    for (int k = 0; k < 4; ++k) b[8 + k] = static_cast<uint8_t>(v >> (8 * k));
    return b;
  };
  auto v2 = with_version(pplx::io::kArchiveVersion + 1);
  expect_error<pplx::IOError>([&] { parse(v2, v2.size()); }, {"format version 2", "newer", "upgrade pplx"});
  auto vmax = with_version(0xFFFFFFFFu);
  expect_error<pplx::IOError>([&] { parse(vmax, vmax.size()); }, {"format version 4294967295", "newer"});
  auto v0 = with_version(0);
  expect_error<pplx::IOError>([&] { parse(v0, v0.size()); }, {"invalid format version 0"});

  expect_error<pplx::IOError>([&] { parse(bytes, bytes.size(), "optim"); },
                              {"holds 'params' data", "expected 'optim'"});

  auto longer = bytes;
  longer.push_back(0);
  expect_error<pplx::IOError>([&] { parse(longer, longer.size()); }, {"trailing bytes"});

  // Random garbage of many lengths, with and without the right magic bytes in front.
  std::mt19937 rng(7);
  for (size_t n = 0; n < 200; ++n) {
    std::vector<uint8_t> junk(n);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    CHECK_THROWS_AS(parse(junk, junk.size()), pplx::IOError);
    std::vector<uint8_t> magic_junk(bytes.begin(), bytes.begin() + 8);
    magic_junk.insert(magic_junk.end(), junk.begin(), junk.end());
    CHECK_THROWS_AS(parse(magic_junk, magic_junk.size()), pplx::IOError);
  }
  const std::string text = dir.file("params.json");
  write_bytes(text, {'{', '"', 'w', '"', ':', '[', '1', ']', '}'});
  expect_error<pplx::IOError>([&] { pplx::ParamStore().load(text); }, {"not a pplx archive"});
  expect_error<pplx::IOError>([&] { pplx::ParamStore().load(dir.path.string()); },
                              {"cannot read", dir.path.string().c_str(), "Is a directory"});
}

TEST_CASE("archive: a failed load leaves the store untouched") {
  TempDir dir("untouched");
  pplx::ParamStore store;
  fill(store, 0.0);
  store.save(dir.file("params.pplx"));
  auto bytes = read_bytes(dir.file("params.pplx"));
  bytes.back() ^= 1;
  write_bytes(dir.file("params.pplx"), bytes);

  pplx::ParamStore target;
  target.set("keep", torch::full({2}, 5.0));
  CHECK_THROWS_AS(target.load(dir.file("params.pplx")), pplx::IOError);
  REQUIRE(target.names() == std::vector<std::string>{"keep"});
  CHECK(torch::equal(target.get("keep"), torch::full({2}, 5.0)));

  // A checksummed file whose metadata names an unknown constraint is an IOError too (and no
  // partial load): it is decoded in full before the store changes.
  const std::string odd = dir.file("odd_constraint.pplx");
  pplx::io::write_archive(odd, "params",
                          {{"a", "real", torch::zeros({1})}, {"b", "no_such_constraint", torch::zeros({1})}});
  expect_error<pplx::IOError>([&] { target.load(odd); }, {odd.c_str(), "no_such_constraint"});
  pplx::io::write_archive(odd, "params", {{"a", "boolean", torch::zeros({1})}});
  expect_error<pplx::IOError>([&] { target.load(odd); }, {odd.c_str(), "boolean"});
  pplx::io::write_archive(odd, "params", {{"a", "interval 0", torch::zeros({1})}});
  expect_error<pplx::IOError>([&] { target.load(odd); }, {odd.c_str(), "interval", "2 arguments"});
  pplx::io::write_archive(odd, "params", {{"a", "real", torch::zeros({1}, torch::kLong)}});
  expect_error<pplx::IOError>([&] { target.load(odd); }, {odd.c_str(), "not floating point"});
  CHECK(target.names() == std::vector<std::string>{"keep"});
}

TEST_CASE("archive: a round trip keeps names, order, dtypes, constraints and bits") {
  namespace c = pplx::constraints;
  torch::manual_seed(0);
  pplx::ParamStore store;
  store.set("loc", torch::randn({2, 3}));
  store.set("scale", torch::rand({3}, torch::kDouble) + 0.5, c::positive);
  store.set("p", torch::rand({4}) * 0.9 + 0.05, c::unit_interval);
  store.set("iv", torch::tensor({-1.5, 2.5}), c::interval(-2.0, 3.0));
  store.set("gt", torch::full({}, 4.0), c::greater_than(1.5));
  store.set("probs", torch::softmax(torch::randn({4}), 0), c::simplex);
  store.set("L", torch::tensor({{1.0, 0.0, 0.0}, {0.5, 2.0, 0.0}, {-0.3, 0.1, 0.7}}), c::lower_cholesky);
  store.set("empty", torch::zeros({0, 2}));
  store.set("half", torch::randn({3}).to(torch::kHalf));

  TempDir dir("roundtrip");
  store.save(dir.file("params.pplx"));
  pplx::ParamStore loaded;
  loaded.load(dir.file("params.pplx"));
  check_same_store(store, loaded);
  CHECK(loaded.constraint("iv")->args() == std::vector<double>{-2.0, 3.0});
  CHECK(loaded.constraint("gt")->args() == std::vector<double>{1.5});

  // The loaded store serves a model: an existing param ignores its init, as in Pyro.
  pplx::ParamStoreScope use(loaded);
  CHECK(torch::equal(pplx::param("scale", torch::ones({3}, torch::kDouble), c::positive), store.get("scale")));

  // Saving what was loaded reproduces the file byte for byte.
  loaded.save(dir.file("again.pplx"));
  CHECK(read_bytes(dir.file("again.pplx")) == read_bytes(dir.file("params.pplx")));
}

TEST_CASE("archive: load maps tensors to the requested device") {
  TempDir dir("devices");
  pplx::ParamStore store;
  fill(store, 1.0);
  store.save(dir.file("params.pplx"));

  pplx::ParamStore on_cpu;
  on_cpu.load(dir.file("params.pplx"), torch::kCPU);
  check_same_store(store, on_cpu);
  for (const auto& n : on_cpu.names()) CHECK(on_cpu.get_unconstrained(n).device().is_cpu());

  if (!torch::cuda::is_available()) {
    MESSAGE("CUDA part skipped: no CUDA device");
    return;
  }
  pplx::ParamStore on_gpu;
  on_gpu.load(dir.file("params.pplx"), torch::Device(torch::kCUDA, 0));
  check_same_store(store, on_gpu);
  for (const auto& n : on_gpu.names()) CHECK(on_gpu.get_unconstrained(n).device().is_cuda());
  // A store on the GPU saves CPU bytes: the file is the same as the CPU store's.
  on_gpu.save(dir.file("from_gpu.pplx"));
  CHECK(read_bytes(dir.file("from_gpu.pplx")) == read_bytes(dir.file("params.pplx")));
}

TEST_CASE("archive: params and optimizer state round trip resumes training bit for bit") {
  namespace dist = pplx::distributions;
  TempDir dir("resume");
  const auto x = torch::linspace(0.0, 2.0, 8);
  auto model = [](const torch::Tensor& data_x) {
    auto loc = pplx::sample("loc", dist::Normal(0.0, 1.0));
    pplx::plate data("data", data_x.size(0));
    pplx::sample("x", dist::Normal(loc, 1.0), data_x);
  };
  auto guide = [](const torch::Tensor&) {
    auto m = pplx::param("m", torch::zeros({}));
    auto s = pplx::param("s", torch::ones({}), pplx::constraints::positive);
    pplx::sample("loc", dist::Normal(m, s));
  };
  auto make_svi = [&] {
    return pplx::infer::SVI(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.1)), pplx::infer::TraceELBO());
  };

  // Train 5 steps, save params and Adam moments, train 3 more: the reference.
  pplx::ParamStore original;
  std::vector<double> reference_losses;
  {
    pplx::ParamStoreScope use(original);
    auto seeded = pplx::handlers::seed(1);
    auto svi = make_svi();
    for (int i = 0; i < 5; ++i) svi.step(x);
    original.save(dir.file("params.pplx"));
    svi.optimizer().save(dir.file("optim.pplx"));
    auto resumed_seed = pplx::handlers::seed(2);
    for (int i = 0; i < 3; ++i) reference_losses.push_back(svi.step(x));
  }
  // A fresh store and optimizer restored from the files continue identically.
  pplx::ParamStore restored;
  std::vector<double> resumed_losses;
  {
    pplx::ParamStoreScope use(restored);
    restored.load(dir.file("params.pplx"));
    auto svi = make_svi();
    svi.optimizer().load(dir.file("optim.pplx"));
    auto resumed_seed = pplx::handlers::seed(2);
    for (int i = 0; i < 3; ++i) resumed_losses.push_back(svi.step(x));
  }
  CHECK(resumed_losses == reference_losses);
  check_same_store(original, restored);

  // The two kinds of file are not interchangeable, and a damaged optimizer file is an IOError.
  expect_error<pplx::IOError>([&] { pplx::ParamStore().load(dir.file("optim.pplx")); },
                              {"holds 'optim' data", "expected 'params'"});
  pplx::optim::Adam adam(torch::optim::AdamOptions(0.1));
  expect_error<pplx::IOError>([&] { adam.load(dir.file("params.pplx")); }, {"holds 'params' data", "expected 'optim'"});
  auto bytes = read_bytes(dir.file("optim.pplx"));
  bytes[bytes.size() / 2] ^= 0x40;
  write_bytes(dir.file("optim.pplx"), bytes);
  expect_error<pplx::IOError>([&] { adam.load(dir.file("optim.pplx")); }, {"checksum mismatch"});
}

TEST_CASE("archive: every stored dtype round-trips bit for bit, empty, 0-dim and non-contiguous tensors too") {
  // Each dtype the format stores, in the shapes where undefined behaviour hides: no elements
  // (data_ptr may be null), one element, a 0-dim tensor, and a transposed (non-contiguous) view.
  const std::vector<torch::ScalarType> dtypes = {torch::kFloat, torch::kDouble, torch::kHalf,  torch::kBFloat16,
                                                 torch::kLong,  torch::kInt,    torch::kShort, torch::kChar,
                                                 torch::kByte,  torch::kBool};
  std::vector<pplx::io::Record> records;
  torch::manual_seed(3);
  for (auto dtype : dtypes) {
    const std::string tag = c10::toString(dtype);
    auto base = (torch::randn({3, 4}) * 50).to(dtype);
    records.push_back({tag + ".matrix", "m", base});
    records.push_back({tag + ".transposed", "", base.t()});
    records.push_back({tag + ".empty", "", torch::empty({0, 5}, torch::TensorOptions().dtype(dtype))});
    records.push_back({tag + ".scalar", "", torch::ones({}, torch::TensorOptions().dtype(dtype))});
    records.push_back({tag + ".one", "", torch::zeros({1}, torch::TensorOptions().dtype(dtype))});
  }
  TempDir dir("dtypes");
  const auto path = dir.file("all.pplx");
  pplx::io::write_archive(path, "tensors", records);
  auto loaded = pplx::io::read_archive(path, "tensors");
  REQUIRE(loaded.size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    CAPTURE(records[i].name);
    CHECK(loaded[i].name == records[i].name);
    CHECK(loaded[i].meta == records[i].meta);
    CHECK((loaded[i].tensor.scalar_type() == records[i].tensor.scalar_type()));
    CHECK((loaded[i].tensor.sizes() == records[i].tensor.sizes()));
    CHECK(loaded[i].tensor.is_contiguous());
    CHECK(torch::equal(loaded[i].tensor, records[i].tensor.contiguous()));
  }
  // The same bytes parse from memory, and an archive of no records is valid too.
  auto bytes = read_bytes(path);
  CHECK(pplx::io::parse_archive(bytes.data(), bytes.size(), "tensors", "<memory>").size() == records.size());
  pplx::io::write_archive(dir.file("none.pplx"), "tensors", {});
  CHECK(pplx::io::read_archive(dir.file("none.pplx"), "tensors").empty());
}
