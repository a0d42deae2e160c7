// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/conv.h>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/error.h>
#include <pplx/nn/linear.h>

namespace pplx {
namespace nn {
namespace {

template <size_t D>
std::string array_str(const torch::ExpandingArray<D>& a) {
  return distributions::shape_str(c10::IntArrayRef(*a));
}

template <size_t D>
const char* layer_name() {
  return D == 1 ? "BayesianConv1d" : D == 2 ? "BayesianConv2d" : "BayesianConv3d";
}

}  // namespace

template <size_t D, class Derived>
BayesianConvNdImpl<D, Derived>::BayesianConvNdImpl(BayesianConvOptions<D> options_)
    : BayesianLayer(detail::prior_from(options_.prior(), options_.prior_mean(), options_.prior_scale()),
                    detail::estimator_from(options_.flipout(), options_.local_reparameterization(), layer_name<D>())),
      options(std::move(options_)) {
  const char* name = layer_name<D>();
  PPLX_CHECK_AS(ValueError, options.in_channels() > 0 && options.out_channels() > 0 && options.groups() > 0, name,
                ": in_channels, out_channels and groups must be positive, got ", options.in_channels(), ", ",
                options.out_channels(), " and ", options.groups());
  PPLX_CHECK_AS(ValueError,
                options.in_channels() % options.groups() == 0 && options.out_channels() % options.groups() == 0, name,
                ": in_channels (", options.in_channels(), ") and out_channels (", options.out_channels(),
                ") must be divisible by groups (", options.groups(), ")");
  for (size_t i = 0; i < D; ++i) {
    PPLX_CHECK_AS(ValueError,
                  (*options.kernel_size())[i] > 0 && (*options.stride())[i] > 0 && (*options.dilation())[i] > 0 &&
                      (*options.padding())[i] >= 0,
                  name, ": kernel_size ", array_str<D>(options.kernel_size()), ", stride ",
                  array_str<D>(options.stride()), " and dilation ", array_str<D>(options.dilation()),
                  " must be positive and padding ", array_str<D>(options.padding()), " non-negative");
  }
  detail::check_posterior_init(options.posterior_mu_init_std(), options.posterior_rho_init_std(), name);
  reset();
}

template <size_t D, class Derived>
void BayesianConvNdImpl<D, Derived>::reset() {
  std::vector<int64_t> shape = {options.out_channels(), options.in_channels() / options.groups()};
  for (size_t i = 0; i < D; ++i) shape.push_back((*options.kernel_size())[i]);
  weight_mu = this->register_parameter("weight_mu", at::empty(shape));
  weight_rho = this->register_parameter("weight_rho", at::empty(shape));
  if (options.bias()) {
    bias_mu = this->register_parameter("bias_mu", at::empty({options.out_channels()}));
    bias_rho = this->register_parameter("bias_rho", at::empty({options.out_channels()}));
  } else {
    bias_mu = bias_rho = at::Tensor();
  }
  reset_parameters();
}

template <size_t D, class Derived>
void BayesianConvNdImpl<D, Derived>::reset_parameters() {
  const auto& o = options;
  init_posterior(weight_mu, weight_rho, o.posterior_mu_init(), o.posterior_mu_init_std(), o.posterior_rho_init(),
                 o.posterior_rho_init_std());
  if (bias_mu.defined())
    init_posterior(bias_mu, bias_rho, o.posterior_mu_init(), o.posterior_mu_init_std(), o.posterior_rho_init(),
                   o.posterior_rho_init_std());
}

template <size_t D, class Derived>
void BayesianConvNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "pplx::nn::" << layer_name<D>() << "(" << options.in_channels() << ", " << options.out_channels()
         << ", kernel_size=" << array_str<D>(options.kernel_size()) << ", stride=" << array_str<D>(options.stride())
         << ", padding=" << array_str<D>(options.padding()) << ", groups=" << options.groups()
         << ", bias=" << (options.bias() ? "true" : "false") << ", prior=" << prior_spec().description()
         << ", estimator=" << to_string(estimator()) << ", mode=" << to_string(weight_mode()) << ")";
}

template <size_t D, class Derived>
std::string BayesianConvNdImpl<D, Derived>::describe() const {
  return pplx::detail::str(layer_name<D>(), "(", options.in_channels(), " -> ", options.out_channels(), ", kernel ",
                           array_str<D>(options.kernel_size()), ")",
                           site_name().empty() ? "" : " '" + site_name() + "'");
}

template <size_t D, class Derived>
at::Tensor BayesianConvNdImpl<D, Derived>::forward(const at::Tensor& input) {
  PPLX_CHECK_AS(ShapeError, input.dim() == static_cast<int64_t>(D) + 2 && input.size(1) == options.in_channels(),
                describe(), ": expected input of shape [N, ", options.in_channels(), ", ", D, " spatial dims], got ",
                distributions::shape_str(input.sizes()));
  return forward_impl(input);
}

template <size_t D, class Derived>
at::Tensor BayesianConvNdImpl<D, Derived>::apply(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
  std::vector<int64_t> output_padding(D, 0);
  return at::convolution(x, w, b, *options.stride(), *options.padding(), *options.dilation(),
                         /*transposed=*/false, output_padding, options.groups());
}

template class BayesianConvNdImpl<1, BayesianConv1dImpl>;
template class BayesianConvNdImpl<2, BayesianConv2dImpl>;
template class BayesianConvNdImpl<3, BayesianConv3dImpl>;

}  // namespace nn
}  // namespace pplx
