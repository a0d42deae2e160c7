// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the ports of Pyro's inference tests (pyro-ppl/pyro — tests/common.py and the
// helpers at the top of tests/infer/test_inference.py and tests/infer/test_valid_models.py).
#pragma once

#include <string>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace parity {

namespace dist = pplx::distributions;

/// Pyro's param_mse: sum of squared differences between a param and its target.
inline double param_mse(const std::string& name, const torch::Tensor& target) {
  return (target - pplx::get_param_store().get(name).detach()).pow(2).sum().item<double>();
}

/// Pyro's param_abs_error: sum of absolute differences between a param and its target.
inline double param_abs_error(const std::string& name, const torch::Tensor& target) {
  return (target - pplx::get_param_store().get(name).detach()).abs().sum().item<double>();
}

/// Pyro's assert_equal(actual, expected, prec): every element within `prec` (absolute).
inline void assert_equal(const torch::Tensor& actual, const torch::Tensor& expected, double prec,
                         const std::string& what = "") {
  REQUIRE(actual.sizes() == expected.sizes());
  const double err =
      (actual.detach().to(torch::kDouble) - expected.detach().to(torch::kDouble)).abs().max().item<double>();
  INFO(what << ": actual " << actual << " expected " << expected << " (max error " << err << ", prec " << prec << ")");
  CHECK(err <= prec);
}

/// Pyro's `pyro.optim.Adam({"lr": lr, "betas": (b1, b2)})`.
inline pplx::optim::Adam adam(double lr, double beta1 = 0.9, double beta2 = 0.999) {
  return pplx::optim::Adam(torch::optim::AdamOptions(lr).betas({beta1, beta2}));
}

/// Gradient accumulated in a param's unconstrained tensor (after backward()).
inline torch::Tensor grad_of(const std::string& name) {
  auto g = pplx::get_param_store().get_unconstrained(name).grad();
  return g.defined() ? g.detach().clone() : torch::Tensor();
}

}  // namespace parity
