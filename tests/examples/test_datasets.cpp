// SPDX-License-Identifier: Apache-2.0
// The examples' data loaders (examples/common/datasets.h). They are not part of the library, so
// this suite compiles their single source file directly.
#include <cstdio>
#include <cstdlib>  // mkdtemp
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>
#include <zlib.h>

#include "../../examples/common/datasets.cpp"  // NOLINT: see the comment at the top

#include <pplx/error.h>

namespace ex = pplx::examples;

namespace {
bool have_fashion_mnist() {
  std::ifstream f(std::string(ex::kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz");
  return static_cast<bool>(f);
}
std::string temp_dir() {
  char tmpl[] = "/tmp/pplx_test_datasets_XXXXXX";
  const char* d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}
void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}
std::vector<uint8_t> idx_header(uint8_t rank, std::vector<uint32_t> dims) {
  std::vector<uint8_t> b = {0, 0, 8, rank};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  return b;
}
}  // namespace

TEST_CASE("load_fashion_mnist reads the test split: shapes, pixel range, balanced labels") {
  if (!have_fashion_mnist()) {
    MESSAGE("dataset-fashion-mnist not installed; skipped");
    return;
  }
  auto test = ex::load_fashion_mnist("test");
  REQUIRE(test.images.sizes() == torch::IntArrayRef({10000, 784}));
  REQUIRE(test.labels.sizes() == torch::IntArrayRef({10000}));
  CHECK(test.images.dtype() == torch::kFloat);
  CHECK(test.labels.dtype() == torch::kLong);
  CHECK(test.images.min().item<float>() == 0.0f);
  CHECK(test.images.max().item<float>() == 1.0f);
  // Fashion-MNIST's test set has exactly 1000 images per class.
  auto counts = torch::bincount(test.labels, {}, 10);
  CHECK(torch::all(counts == 1000).item<bool>());
  CHECK(test.images_2d().sizes() == torch::IntArrayRef({10000, 1, 28, 28}));
}

TEST_CASE("load_fashion_mnist honours max_items and reads the train split's known first labels") {
  if (!have_fashion_mnist()) return;
  auto train = ex::load_fashion_mnist("train", 5);
  REQUIRE(train.size() == 5);
  // The first five training labels of Fashion-MNIST: ankle boot, T-shirt, T-shirt, dress, T-shirt.
  std::vector<int64_t> expected = {9, 0, 0, 3, 0};
  for (int i = 0; i < 5; ++i) CHECK(train.labels[i].item<int64_t>() == expected[i]);
  CHECK_THROWS_AS(ex::load_fashion_mnist("validation"), pplx::ValueError);
}

TEST_CASE("read_idx_gz rejects missing, foreign and truncated files with the path in the message") {
  const std::string dir = temp_dir();
  try {
    ex::load_fashion_mnist("train", 1, dir);
    FAIL("expected IOError");
  } catch (const pplx::IOError& e) {
    CHECK(std::string(e.what()).find(dir + "/train-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(std::string(e.what()).find("apt-get install dataset-fashion-mnist") != std::string::npos);
  }
  // A labels file where an images file is expected: wrong rank in the magic number.
  const std::string labels = dir + "/labels.gz";
  auto bytes = idx_header(1, {3});
  bytes.insert(bytes.end(), {1, 2, 3});
  write_gz(labels, bytes);
  CHECK_THROWS_WITH_AS(ex::read_idx_gz(labels, 3), doctest::Contains("bad magic number"), pplx::IOError);
  auto ok = ex::read_idx_gz(labels, 1);
  CHECK(ok.dims == std::vector<int64_t>{3});
  CHECK(ok.data == std::vector<uint8_t>{1, 2, 3});
  // Header announces 4 items but only 3 bytes follow.
  const std::string truncated = dir + "/truncated.gz";
  auto short_bytes = idx_header(1, {4});
  short_bytes.insert(short_bytes.end(), {1, 2, 3});
  write_gz(truncated, short_bytes);
  CHECK_THROWS_WITH_AS(ex::read_idx_gz(truncated, 1), doctest::Contains("truncated"), pplx::IOError);
  // A prefix of a truncated file is still readable.
  CHECK(ex::read_idx_gz(truncated, 1, 3).data.size() == 3);
  std::remove(labels.c_str());
  std::remove(truncated.c_str());
  std::remove(dir.c_str());
}

TEST_CASE("load_boston_housing: 506 rows, 13 features, first row as published") {
  std::ifstream f(ex::kBostonCsv);
  if (!f) {
    MESSAGE("python3-sklearn not installed; skipped");
    return;
  }
  auto ds = ex::load_boston_housing();
  REQUIRE(ds.features.sizes() == torch::IntArrayRef({506, 13}));
  REQUIRE(ds.target.sizes() == torch::IntArrayRef({506}));
  CHECK(ds.feature_names.front() == "CRIM");
  CHECK(ds.feature_names.back() == "LSTAT");
  CHECK(ds.features[0][0].item<float>() == doctest::Approx(0.00632));
  CHECK(ds.features[0][5].item<float>() == doctest::Approx(6.575));
  CHECK(ds.target[0].item<float>() == doctest::Approx(24.0));
  // MEDV is censored at 50 (in $1000s) in the original data.
  CHECK(ds.target.max().item<float>() == doctest::Approx(50.0));
}

TEST_CASE("train_test_split and Standardizer") {
  auto s = ex::train_test_split(506, 0.25, 7);
  CHECK(s.test.numel() == 127);  // round(0.25 * 506)
  CHECK(s.train.numel() == 379);
  // A partition of 0..505: sorted union equals arange.
  auto all = std::get<0>(torch::cat({s.train, s.test}).sort());
  CHECK(torch::equal(all, torch::arange(506, torch::kLong)));
  auto again = ex::train_test_split(506, 0.25, 7);
  CHECK(torch::equal(again.test, s.test));
  auto other = ex::train_test_split(506, 0.25, 8);
  CHECK_FALSE(torch::equal(other.test, s.test));

  auto x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 1.0f, 1.0f, 1.0f, 1.0f}).view({2, 4}).t();  // [4, 2]
  auto st = ex::Standardizer::fit(x);
  CHECK(st.mean[0].item<float>() == doctest::Approx(2.5));
  CHECK(st.std[0].item<float>() == doctest::Approx(std::sqrt(5.0 / 3.0)));  // unbiased
  CHECK(st.std[1].item<float>() == doctest::Approx(1.0));                   // constant column
  auto z = st.transform(x);
  CHECK(z.select(1, 0).sum().item<float>() == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(torch::allclose(st.inverse(z), x));
  CHECK_THROWS_AS(ex::train_test_split(10, 1.5, 0), pplx::ValueError);
}
