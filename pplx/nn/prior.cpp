// SPDX-License-Identifier: Apache-2.0
#include <pplx/nn/prior.h>

#include <cmath>
#include <sstream>

#include <ATen/ATen.h>

#include <pplx/distributions/normal.h>
#include <pplx/distributions/scale_mixture_normal.h>
#include <pplx/error.h>
#include <pplx/nn/conjugate.h>

namespace pplx {
namespace nn {
namespace {

namespace dist = distributions;

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void check_mc(const char* prior, int64_t n) {
  PPLX_CHECK_AS(ValueError, n >= 1, "priors::", prior, ": n_mc_samples must be >= 1, got ", n);
}

}  // namespace

namespace priors {

Prior normal(double mean, double scale) {
  PPLX_CHECK_AS(ValueError, std::isfinite(mean), "priors::normal: mean must be finite, got ", mean);
  PPLX_CHECK_AS(ValueError, scale > 0 && std::isfinite(scale), "priors::normal: scale must be positive, got ", scale);
  return Prior(
      [mean, scale](const std::string&, const at::Tensor& like) -> dist::DistPtr {
        auto o = like.options().requires_grad(false);
        return std::make_shared<dist::Normal>(at::full({}, mean, o), at::full({}, scale, o));
      },
      "Normal(" + fmt(mean) + ", " + fmt(scale) + ")");
}

Prior scale_mixture(double pi, double sigma_1, double sigma_2, int64_t num_mc_samples) {
  PPLX_CHECK_AS(ValueError, pi >= 0 && pi <= 1, "priors::scale_mixture: pi must lie in [0, 1], got ", pi);
  PPLX_CHECK_AS(ValueError, sigma_1 > 0 && sigma_2 > 0 && std::isfinite(sigma_1) && std::isfinite(sigma_2),
                "priors::scale_mixture: sigma_1 and sigma_2 must be positive, got ", sigma_1, " and ", sigma_2);
  check_mc("scale_mixture", num_mc_samples);
  return Prior(
      [=](const std::string&, const at::Tensor& like) -> dist::DistPtr {
        auto o = like.options().requires_grad(false);
        return std::make_shared<dist::ScaleMixtureNormal>(at::zeros({}, o), at::full({}, sigma_1, o),
                                                          at::full({}, sigma_2, o), at::full({}, pi, o));
      },
      "scale_mixture(pi=" + fmt(pi) + ", sigma_1=" + fmt(sigma_1) + ", sigma_2=" + fmt(sigma_2) + ")", num_mc_samples);
}

Prior gaussian() {
  return Prior(
      [](const std::string&, const at::Tensor& like) -> dist::DistPtr {
        // PyVarInf's prior_std: 1/sqrt(product of all dims but the first), 0.01 for vectors.
        double scale = 1e-2;
        if (like.dim() > 1) {
          int64_t fan_in = 1;
          for (int64_t i = 1; i < like.dim(); ++i) fan_in *= like.size(i);
          scale = 1.0 / std::sqrt(static_cast<double>(fan_in));
        }
        auto o = like.options().requires_grad(false);
        return std::make_shared<dist::Normal>(at::zeros({}, o), at::full({}, scale, o));
      },
      "gaussian");
}

Prior conjugate(int64_t n_mc_samples, double alpha_0, double beta_0, double mu_0, double kappa_0) {
  check_mc("conjugate", n_mc_samples);
  ConjugateNormalGamma({}, alpha_0, beta_0, mu_0, kappa_0);  // validates the hyper-parameters now
  return Prior(
      [=](const std::string&, const at::Tensor& like) -> dist::DistPtr {
        return std::make_shared<ConjugateNormalGamma>(like.sizes().vec(), alpha_0, beta_0, mu_0, kappa_0,
                                                      like.options().requires_grad(false));
      },
      "conjugate(alpha_0=" + fmt(alpha_0) + ", beta_0=" + fmt(beta_0) + ", mu_0=" + fmt(mu_0) +
          ", kappa_0=" + fmt(kappa_0) + ")",
      n_mc_samples);
}

Prior conjugate_known_mean(int64_t n_mc_samples, double mean, double alpha_0, double beta_0) {
  check_mc("conjugate_known_mean", n_mc_samples);
  ConjugateKnownMean({}, mean, alpha_0, beta_0);
  return Prior(
      [=](const std::string&, const at::Tensor& like) -> dist::DistPtr {
        return std::make_shared<ConjugateKnownMean>(like.sizes().vec(), mean, alpha_0, beta_0,
                                                    like.options().requires_grad(false));
      },
      "conjugate_known_mean(mean=" + fmt(mean) + ", alpha_0=" + fmt(alpha_0) + ", beta_0=" + fmt(beta_0) + ")",
      n_mc_samples);
}

Prior mixtgauss(int64_t n_mc_samples, double sigma_1, double sigma_2, double pi) {
  check_mc("mixtgauss", n_mc_samples);
  auto p = scale_mixture(pi, sigma_1, sigma_2, n_mc_samples);
  return Prior([p](const std::string& n, const at::Tensor& like) { return p.for_param(n, like); },
               "mixtgauss(sigma_1=" + fmt(sigma_1) + ", sigma_2=" + fmt(sigma_2) + ", pi=" + fmt(pi) + ")",
               n_mc_samples);
}

}  // namespace priors
}  // namespace nn
}  // namespace pplx
