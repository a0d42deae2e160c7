// SPDX-License-Identifier: Apache-2.0
// BayesianConv1d/2d/3d: convolutions with a mean-field Normal posterior over filters and bias.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>

#include <c10/util/Optional.h>
#include <torch/arg.h>
#include <torch/expanding_array.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <pplx/nn/bayesian_layer.h>
#include <pplx/nn/prior.h>
#include <pplx/nn/weight_options.h>

namespace pplx {
namespace nn {

/// Options of BayesianConv{1,2,3}d: torch::nn::ConvOptions' geometry (zero padding) plus the
/// prior, posterior initialisation and estimator of BayesianWeightOptions.
///
///   BayesianConv2dOptions(1, 16, /*kernel_size=*/{3, 5}).padding(1).flipout(true)
template <size_t D>
struct BayesianConvOptions : BayesianWeightOptions<BayesianConvOptions<D>> {
  BayesianConvOptions(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(torch::ExpandingArray<D>, kernel_size);
  TORCH_ARG(torch::ExpandingArray<D>, stride) = 1;
  /// Zeros added on both sides of every spatial dim.
  TORCH_ARG(torch::ExpandingArray<D>, padding) = 0;
  TORCH_ARG(torch::ExpandingArray<D>, dilation) = 1;
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = true;
};
using BayesianConv1dOptions = BayesianConvOptions<1>;
using BayesianConv2dOptions = BayesianConvOptions<2>;
using BayesianConv3dOptions = BayesianConvOptions<3>;

/// The D-dimensional Bayesian convolution (the base of BayesianConv{1,2,3}dImpl). The filter has
/// shape [out_channels, in_channels / groups, kernel...]; see BayesianLayer for the design.
template <size_t D, class Derived>
class BayesianConvNdImpl : public torch::nn::Cloneable<Derived>, public BayesianLayer {
 public:
  explicit BayesianConvNdImpl(BayesianConvOptions<D> options);

  void reset() override;
  /// Re-draws the posterior's initial mu and rho.
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  /// input [N, in_channels, spatial...] -> [N, out_channels, spatial'...].
  at::Tensor forward(const at::Tensor& input);
  std::string describe() const override;

  BayesianConvOptions<D> options;

 protected:
  at::Tensor apply(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const override;
  int64_t channel_dim(const at::Tensor&) const override { return 1; }
};

/// Bayesian 1-d convolution.  `pplx::nn::BayesianConv1d conv(BayesianConv1dOptions(3, 8, 5));`
class BayesianConv1dImpl : public BayesianConvNdImpl<1, BayesianConv1dImpl> {
 public:
  using BayesianConvNdImpl<1, BayesianConv1dImpl>::BayesianConvNdImpl;
  BayesianConv1dImpl(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<1> kernel_size)
      : BayesianConv1dImpl(BayesianConv1dOptions(in_channels, out_channels, kernel_size)) {}
};
TORCH_MODULE(BayesianConv1d);

/// Bayesian 2-d convolution.  `pplx::nn::BayesianConv2d conv(BayesianConv2dOptions(1, 16, 3).padding(1));`
class BayesianConv2dImpl : public BayesianConvNdImpl<2, BayesianConv2dImpl> {
 public:
  using BayesianConvNdImpl<2, BayesianConv2dImpl>::BayesianConvNdImpl;
  BayesianConv2dImpl(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<2> kernel_size)
      : BayesianConv2dImpl(BayesianConv2dOptions(in_channels, out_channels, kernel_size)) {}
};
TORCH_MODULE(BayesianConv2d);

/// Bayesian 3-d convolution.  `pplx::nn::BayesianConv3d conv(BayesianConv3dOptions(1, 4, {3, 3, 1}));`
class BayesianConv3dImpl : public BayesianConvNdImpl<3, BayesianConv3dImpl> {
 public:
  using BayesianConvNdImpl<3, BayesianConv3dImpl>::BayesianConvNdImpl;
  BayesianConv3dImpl(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<3> kernel_size)
      : BayesianConv3dImpl(BayesianConv3dOptions(in_channels, out_channels, kernel_size)) {}
};
TORCH_MODULE(BayesianConv3d);

// Defined in conv.cpp for D = 1, 2, 3.
extern template class BayesianConvNdImpl<1, BayesianConv1dImpl>;
extern template class BayesianConvNdImpl<2, BayesianConv2dImpl>;
extern template class BayesianConvNdImpl<3, BayesianConv3dImpl>;

}  // namespace nn
}  // namespace pplx
