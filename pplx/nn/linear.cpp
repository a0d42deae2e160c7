// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/linear.h>

#include <cmath>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>
#include <pplx/error.h>

namespace pplx {
namespace nn {
namespace detail {

Prior prior_from(const c10::optional<Prior>& prior, double prior_mean, double prior_scale) {
  if (prior) return *prior;
  return priors::normal(prior_mean, prior_scale);
}

Estimator estimator_from(bool flipout, bool local_reparameterization, const char* layer) {
  PPLX_CHECK_AS(ValueError, !(flipout && local_reparameterization), layer,
                ": flipout and local_reparameterization exclude each other; choose one");
  if (flipout) return Estimator::flipout;
  if (local_reparameterization) return Estimator::local_reparameterization;
  return Estimator::reparameterization;
}

void check_posterior_init(double mu_init_std, double rho_init_std, const char* layer) {
  PPLX_CHECK_AS(ValueError,
                mu_init_std >= 0 && rho_init_std >= 0 && std::isfinite(mu_init_std) && std::isfinite(rho_init_std),
                layer, ": posterior_mu_init_std and posterior_rho_init_std must be >= 0, got ", mu_init_std, " and ",
                rho_init_std);
}

}  // namespace detail

BayesianLinearImpl::BayesianLinearImpl(const BayesianLinearOptions& options_)
    : BayesianLayer(detail::prior_from(options_.prior(), options_.prior_mean(), options_.prior_scale()),
                    detail::estimator_from(options_.flipout(), options_.local_reparameterization(), "BayesianLinear")),
      options(options_) {
  PPLX_CHECK_AS(ValueError, options.in_features() > 0 && options.out_features() > 0,
                "BayesianLinear: in_features and out_features must be positive, got ", options.in_features(), " and ",
                options.out_features());
  detail::check_posterior_init(options.posterior_mu_init_std(), options.posterior_rho_init_std(), "BayesianLinear");
  reset();
}

void BayesianLinearImpl::reset() {
  const int64_t in = options.in_features(), out = options.out_features();
  weight_mu = register_parameter("weight_mu", at::empty({out, in}));
  weight_rho = register_parameter("weight_rho", at::empty({out, in}));
  if (options.bias()) {
    bias_mu = register_parameter("bias_mu", at::empty({out}));
    bias_rho = register_parameter("bias_rho", at::empty({out}));
  } else {
    bias_mu = bias_rho = at::Tensor();
  }
  reset_parameters();
}

void BayesianLinearImpl::reset_parameters() {
  const auto& o = options;
  init_posterior(weight_mu, weight_rho, o.posterior_mu_init(), o.posterior_mu_init_std(), o.posterior_rho_init(),
                 o.posterior_rho_init_std());
  if (bias_mu.defined())
    init_posterior(bias_mu, bias_rho, o.posterior_mu_init(), o.posterior_mu_init_std(), o.posterior_rho_init(),
                   o.posterior_rho_init_std());
}

void BayesianLinearImpl::pretty_print(std::ostream& stream) const {
  stream << "pplx::nn::BayesianLinear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << (options.bias() ? "true" : "false")
         << ", prior=" << prior_spec().description() << ", estimator=" << to_string(estimator())
         << ", mode=" << to_string(weight_mode()) << ")";
}

std::string BayesianLinearImpl::describe() const {
  return pplx::detail::str("BayesianLinear(", options.in_features(), " -> ", options.out_features(), ")",
                           site_name().empty() ? "" : " '" + site_name() + "'");
}

at::Tensor BayesianLinearImpl::forward(const at::Tensor& input) {
  PPLX_CHECK_AS(ShapeError, input.dim() >= 1 && input.size(-1) == options.in_features(), describe(),
                ": input of shape ", distributions::shape_str(input.sizes()),
                " does not end in in_features = ", options.in_features());
  return forward_impl(input);
}

at::Tensor BayesianLinearImpl::apply(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
  return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

}  // namespace nn
}  // namespace pplx
