// SPDX-License-Identifier: Apache-2.0
// The Normal-Normal-Normal model shared by handler tests (as Pyro's tests/poutine/test_poutines.py).
#pragma once

#include <cmath>

#include <torch/torch.h>

#include <pplx/pplx.h>

namespace fixtures {

namespace dist = pplx::distributions;

/// latent1 ~ N(0, 1); latent2 ~ N(latent1, 1); obs ~ N(latent2, 1) observed at `data`.
/// Guide: latent1 ~ N(loc1, scale1), latent2 ~ N(loc2, scale2) with params.
struct NormalNormalNormal {
  torch::Tensor data = torch::tensor(1.5);

  NormalNormalNormal() {
    pplx::clear_param_store();
    torch::manual_seed(0);
  }

  static torch::Tensor model(const torch::Tensor& data) {
    auto l1 = pplx::sample("latent1", dist::Normal(0.0, 1.0));
    auto l2 = pplx::sample("latent2", dist::Normal(l1, 1.0));
    return pplx::sample("obs", dist::Normal(l2, 1.0), data);
  }

  static void guide(const torch::Tensor&) {
    auto loc1 = pplx::param("loc1", torch::tensor(0.3));
    auto scale1 = pplx::param("scale1", torch::tensor(0.7), pplx::constraints::positive);
    auto loc2 = pplx::param("loc2", torch::tensor(-0.2));
    auto scale2 = pplx::param("scale2", torch::tensor(1.3), pplx::constraints::positive);
    pplx::sample("latent1", dist::Normal(loc1, scale1));
    pplx::sample("latent2", dist::Normal(loc2, scale2));
  }
};

/// log N(x | loc, scale), the formula written out.
inline double normal_lp(double x, double loc, double scale) {
  return -0.5 * std::pow((x - loc) / scale, 2) - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

inline double item(const torch::Tensor& t) { return t.item<double>(); }

/// True when `what()` of the exception contains every needle.
template <class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const pplx::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("NOT A pplx::Error: ") + e.what();
  }
  return "NO EXCEPTION";
}

}  // namespace fixtures
