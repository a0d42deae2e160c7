// SPDX-License-Identifier: Apache-2.0
#include "datasets.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <zlib.h>

#include <torch/torch.h>

#include <pplx/error.h>

namespace pplx {
namespace examples {
namespace {

const char* kInstallHint = " (on Debian: apt-get install dataset-fashion-mnist)";

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads exactly `n` bytes or throws: a short read means a truncated or corrupt file.
void read_exact(gzFile f, void* out, size_t n, const std::string& path, const char* what) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    // gzread takes an unsigned count; read in chunks well below its limit.
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    int got = gzread(f, p, chunk);
    if (got <= 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      throw IOError("read_idx_gz: ", path, ": truncated or corrupt while reading ", what,
                    errnum != Z_OK && msg ? std::string(" (zlib: ") + msg + ")" : std::string(), kInstallHint);
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
}

uint32_t big_endian_u32(const uint8_t b[4]) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace

IdxArray read_idx_gz(const std::string& path, int64_t expected_rank, int64_t max_items) {
  errno = 0;
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) {
    throw IOError("read_idx_gz: cannot open ", path, ": ", std::strerror(errno ? errno : ENOENT), kInstallHint);
  }
  // IDX header: two zero bytes, a type code (0x08 = unsigned byte), the rank, then one big-endian
  // uint32 per dimension.
  uint8_t magic[4];
  read_exact(f.get(), magic, 4, path, "the magic number");
  const uint32_t expected_magic = 0x0800u | static_cast<uint32_t>(expected_rank);
  if (big_endian_u32(magic) != expected_magic) {
    throw IOError("read_idx_gz: ", path, ": bad magic number ", big_endian_u32(magic), " (expected ", expected_magic,
                  ": unsigned bytes, rank ", expected_rank, "); not an IDX file of this kind", kInstallHint);
  }
  IdxArray out;
  int64_t item_size = 1;
  for (int64_t i = 0; i < expected_rank; ++i) {
    uint8_t b[4];
    read_exact(f.get(), b, 4, path, "the header");
    const int64_t d = big_endian_u32(b);
    if (d <= 0 || d > (int64_t(1) << 24)) {
      throw IOError("read_idx_gz: ", path, ": implausible size ", d, " of dim ", i, kInstallHint);
    }
    out.dims.push_back(d);
    if (i > 0) item_size *= d;
  }
  if (max_items >= 0 && max_items < out.dims[0]) out.dims[0] = max_items;
  out.data.resize(static_cast<size_t>(out.dims[0] * item_size));
  // Only the requested prefix is decompressed, so a small --ci run does not inflate all 47 MB.
  read_exact(f.get(), out.data.data(), out.data.size(), path, "the data");
  return out;
}

ImageDataset load_fashion_mnist(const std::string& split, int64_t max_items, const std::string& dir) {
  std::string prefix;
  if (split == "train") {
    prefix = "train";
  } else if (split == "test" || split == "t10k") {
    prefix = "t10k";
  } else {
    throw ValueError("load_fashion_mnist: unknown split '", split, "' (use \"train\" or \"test\")");
  }
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  IdxArray images = read_idx_gz(images_path, 3, max_items);
  IdxArray labels = read_idx_gz(labels_path, 1, max_items);
  if (images.dims[1] != 28 || images.dims[2] != 28) {
    throw IOError("load_fashion_mnist: ", images_path, ": images are ", images.dims[1], "x", images.dims[2],
                  ", expected 28x28");
  }
  if (images.dims[0] != labels.dims[0]) {
    throw IOError("load_fashion_mnist: ", images_path, " holds ", images.dims[0], " images but ", labels_path,
                  " holds ", labels.dims[0], " labels");
  }
  const int64_t n = images.dims[0];
  ImageDataset ds;
  ds.images = torch::from_blob(images.data.data(), {n, 784}, torch::kUInt8).to(torch::kFloat).div_(255.0);
  ds.labels = torch::from_blob(labels.data.data(), {n}, torch::kUInt8).to(torch::kLong);
  if (n > 0 && ds.labels.max().item<int64_t>() > 9) {
    throw IOError("load_fashion_mnist: ", labels_path, ": label ", ds.labels.max().item<int64_t>(),
                  " out of range 0..9; the file is corrupt");
  }
  return ds;
}

RegressionDataset load_boston_housing(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw IOError("load_boston_housing: cannot open ", path, ": ", std::strerror(errno),
                  " (on Debian: apt-get install python3-sklearn)");
  }
  auto split_csv = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      if (!cell.empty() && cell.back() == '\r') cell.pop_back();
      cells.push_back(cell);
    }
    return cells;
  };
  auto parse = [&](const std::string& s, int64_t line_no) {
    try {
      size_t used = 0;
      double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      throw IOError("load_boston_housing: ", path, ":", line_no, ": '", s, "' is not a number");
    }
  };
  std::string line;
  // Line 1: "506,13,,,..." (rows, features).
  if (!std::getline(in, line)) throw IOError("load_boston_housing: ", path, " is empty");
  auto first = split_csv(line);
  if (first.size() < 2) throw IOError("load_boston_housing: ", path, ":1: expected 'rows,features'");
  const auto rows = static_cast<int64_t>(parse(first[0], 1));
  const auto cols = static_cast<int64_t>(parse(first[1], 1));
  if (cols != 13) throw IOError("load_boston_housing: ", path, ":1: ", cols, " features, expected 13");
  // Line 2: the header, 13 feature names and "MEDV".
  if (!std::getline(in, line)) throw IOError("load_boston_housing: ", path, ": missing header");
  RegressionDataset ds;
  auto header = split_csv(line);
  if (static_cast<int64_t>(header.size()) != cols + 1)
    throw IOError("load_boston_housing: ", path, ":2: header has ", header.size(), " columns, expected ", cols + 1);
  for (int64_t j = 0; j < cols; ++j) {
    std::string name = header[j];
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    ds.feature_names.push_back(name);
  }
  std::vector<float> x, y;
  int64_t line_no = 2;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    auto cells = split_csv(line);
    if (static_cast<int64_t>(cells.size()) != cols + 1)
      throw IOError("load_boston_housing: ", path, ":", line_no, ": ", cells.size(), " columns, expected ", cols + 1);
    for (int64_t j = 0; j < cols; ++j) x.push_back(static_cast<float>(parse(cells[j], line_no)));
    y.push_back(static_cast<float>(parse(cells[cols], line_no)));
  }
  const auto n = static_cast<int64_t>(y.size());
  if (n != rows) throw IOError("load_boston_housing: ", path, ": ", n, " data rows, but line 1 announces ", rows);
  ds.features = torch::from_blob(x.data(), {n, cols}, torch::kFloat).clone();
  ds.target = torch::from_blob(y.data(), {n}, torch::kFloat).clone();
  return ds;
}

SplitIndices train_test_split(int64_t n, double test_fraction, uint64_t seed) {
  PPLX_CHECK_AS(ValueError, n > 1 && test_fraction > 0.0 && test_fraction < 1.0,
                "train_test_split: need n > 1 and 0 < test_fraction < 1, got n=", n, ", test_fraction=", test_fraction);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto perm = torch::randperm(n, gen, torch::kLong);
  auto n_test = static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(n)));
  n_test = std::max<int64_t>(1, std::min<int64_t>(n - 1, n_test));
  SplitIndices s;
  s.test = std::get<0>(perm.narrow(0, 0, n_test).sort());
  s.train = std::get<0>(perm.narrow(0, n_test, n - n_test).sort());
  return s;
}

Standardizer Standardizer::fit(const torch::Tensor& train) {
  PPLX_CHECK_AS(ShapeError, train.dim() == 1 || train.dim() == 2, "Standardizer::fit: expected [N] or [N, D], got ",
                train.sizes());
  PPLX_CHECK_AS(ShapeError, train.size(0) > 1, "Standardizer::fit: need at least two rows, got ", train.size(0));
  Standardizer s;
  s.mean = train.mean(0);
  s.std = train.std(0);
  s.std = torch::where(s.std > 0, s.std, torch::ones_like(s.std));
  return s;
}

}  // namespace examples
}  // namespace pplx
