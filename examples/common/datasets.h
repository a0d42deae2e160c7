// SPDX-License-Identifier: Apache-2.0
// Data sets the examples use, read from Debian packages: Fashion-MNIST and Boston housing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace pplx {
namespace examples {

/// Images and labels of one Fashion-MNIST split.
struct ImageDataset {
  torch::Tensor images;  ///< float32 [N, 784], pixel values scaled to [0, 1]
  torch::Tensor labels;  ///< int64 [N], classes 0..9
  /// The images as a batch of one-channel pictures, [N, 1, 28, 28] (a view, no copy).
  torch::Tensor images_2d() const { return images.view({-1, 1, 28, 28}); }
  int64_t size() const { return images.size(0); }
  /// The same images and labels on `device` (copied once; no copy when they are already there).
  ImageDataset to(const torch::Device& device) const { return {images.to(device), labels.to(device)}; }
};

/// Where Debian's dataset-fashion-mnist puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Reads the first `max_items` (all when negative) examples of Fashion-MNIST's "train" (60000) or
/// "test" (10000) split from `dir`/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. Magic numbers,
/// sizes and label range are checked; a missing or corrupt file throws pplx::IOError naming it.
///
///   auto train = load_fashion_mnist("train", 2000);   // train.images: [2000, 784]
ImageDataset load_fashion_mnist(const std::string& split, int64_t max_items = -1,
                                const std::string& dir = kFashionMnistDir);

/// One IDX file (the format of MNIST-like data): its dims and raw unsigned bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};
/// Reads a gzip-compressed IDX file of unsigned bytes with `expected_rank` dims, keeping only the
/// first `max_items` entries along dim 0 (all when negative). Throws pplx::IOError.
IdxArray read_idx_gz(const std::string& path, int64_t expected_rank, int64_t max_items = -1);

/// The Boston housing data (506 rows): 13 features and the median house value MEDV.
struct RegressionDataset {
  torch::Tensor features;  ///< float32 [N, 13]
  torch::Tensor target;    ///< float32 [N]
  std::vector<std::string> feature_names;
  int64_t size() const { return features.size(0); }
};

/// Where Debian's python3-sklearn puts the Boston CSV.
inline constexpr const char* kBostonCsv =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/boston_house_prices.csv";

/// Reads the Boston housing CSV (first line: row and feature counts; second: header; then rows of
/// 13 features and MEDV). Throws pplx::IOError on a missing file or a malformed line.
RegressionDataset load_boston_housing(const std::string& path = kBostonCsv);

/// Row indices of a random train/test split: `test_fraction` of `n` rows (rounded) go to test.
/// The same `seed` gives the same split; the global torch generator is not touched.
struct SplitIndices {
  torch::Tensor train;  ///< int64, sorted
  torch::Tensor test;   ///< int64, sorted
};
SplitIndices train_test_split(int64_t n, double test_fraction, uint64_t seed);

/// Column means and standard deviations (unbiased) of a training set, to standardise with.
struct Standardizer {
  torch::Tensor mean;
  torch::Tensor std;
  /// Fits on `train` (columns of [N, D], or a vector [N]); constant columns get std 1.
  static Standardizer fit(const torch::Tensor& train);
  torch::Tensor transform(const torch::Tensor& x) const { return (x - mean) / std; }
  torch::Tensor inverse(const torch::Tensor& z) const { return z * std + mean; }
};

}  // namespace examples
}  // namespace pplx
