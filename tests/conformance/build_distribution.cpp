// SPDX-License-Identifier: Apache-2.0
#include "build_distribution.h"

#include <functional>
#include <map>

#include <ATen/ATen.h>

#include <pplx/distributions/distributions.h>
#include <pplx/error.h>

namespace pplx {
namespace conformance {
namespace {

namespace dist = pplx::distributions;
using Builder = std::function<dist::DistPtr(const Json& params, const Json& options)>;

at::Tensor arg(const Json& params, const char* name) { return tensor_from_json(params[name]); }
bool has(const Json& params, const char* name) { return params.contains(name); }

template <class D>
dist::DistPtr share(D d) {
  return std::make_shared<D>(std::move(d));
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"Normal", [](const Json& p, const Json&) { return share(dist::Normal(arg(p, "loc"), arg(p, "scale"))); }},
      {"LogNormal", [](const Json& p, const Json&) { return share(dist::LogNormal(arg(p, "loc"), arg(p, "scale"))); }},
      {"HalfNormal", [](const Json& p, const Json&) { return share(dist::HalfNormal(arg(p, "scale"))); }},
      {"Bernoulli",
       [](const Json& p, const Json&) {
         return has(p, "probs") ? share(dist::Bernoulli::with_probs(arg(p, "probs")))
                                : share(dist::Bernoulli::with_logits(arg(p, "logits")));
       }},
      {"Categorical",
       [](const Json& p, const Json&) {
         return has(p, "probs") ? share(dist::Categorical::with_probs(arg(p, "probs")))
                                : share(dist::Categorical::with_logits(arg(p, "logits")));
       }},
      {"OneHotCategorical",
       [](const Json& p, const Json&) {
         return has(p, "probs") ? share(dist::OneHotCategorical::with_probs(arg(p, "probs")))
                                : share(dist::OneHotCategorical::with_logits(arg(p, "logits")));
       }},
      {"Binomial",
       [](const Json& p, const Json&) {
         return has(p, "probs") ? share(dist::Binomial::with_probs(arg(p, "total_count"), arg(p, "probs")))
                                : share(dist::Binomial::with_logits(arg(p, "total_count"), arg(p, "logits")));
       }},
      {"Poisson", [](const Json& p, const Json&) { return share(dist::Poisson(arg(p, "rate"))); }},
      {"Beta", [](const Json& p,
                  const Json&) { return share(dist::Beta(arg(p, "concentration1"), arg(p, "concentration0"))); }},
      {"Gamma", [](const Json& p, const Json&) { return share(dist::Gamma(arg(p, "concentration"), arg(p, "rate"))); }},
      {"Exponential", [](const Json& p, const Json&) { return share(dist::Exponential(arg(p, "rate"))); }},
      {"Laplace", [](const Json& p, const Json&) { return share(dist::Laplace(arg(p, "loc"), arg(p, "scale"))); }},
      {"Uniform", [](const Json& p, const Json&) { return share(dist::Uniform(arg(p, "low"), arg(p, "high"))); }},
      {"StudentT",
       [](const Json& p, const Json&) { return share(dist::StudentT(arg(p, "df"), arg(p, "loc"), arg(p, "scale"))); }},
      {"Cauchy", [](const Json& p, const Json&) { return share(dist::Cauchy(arg(p, "loc"), arg(p, "scale"))); }},
      {"HalfCauchy", [](const Json& p, const Json&) { return share(dist::HalfCauchy(arg(p, "scale"))); }},
      {"Dirichlet", [](const Json& p, const Json&) { return share(dist::Dirichlet(arg(p, "concentration"))); }},
      {"MultivariateNormal",
       [](const Json& p, const Json&) {
         if (has(p, "covariance_matrix"))
           return share(dist::MultivariateNormal::with_covariance(arg(p, "loc"), arg(p, "covariance_matrix")));
         if (has(p, "precision_matrix"))
           return share(dist::MultivariateNormal::with_precision(arg(p, "loc"), arg(p, "precision_matrix")));
         return share(dist::MultivariateNormal::with_scale_tril(arg(p, "loc"), arg(p, "scale_tril")));
       }},
      {"LowRankMultivariateNormal",
       [](const Json& p, const Json&) {
         return share(dist::LowRankMultivariateNormal(arg(p, "loc"), arg(p, "cov_factor"), arg(p, "cov_diag")));
       }},
      {"Delta",
       [](const Json& p, const Json& o) {
         const int64_t event_dim = o.contains("event_dim") ? o["event_dim"].as_int() : 0;
         dist::ParamArg log_density = has(p, "log_density") ? dist::ParamArg(arg(p, "log_density")) : 0.0;
         return share(dist::Delta(arg(p, "v"), log_density, event_dim));
       }},
      {"IndependentNormal",
       [](const Json& p, const Json& o) {
         return dist::Normal(arg(p, "loc"), arg(p, "scale")).to_event(o["reinterpreted_batch_ndims"].as_int());
       }},
  };
  return table;
}

}  // namespace

distributions::DistPtr build_distribution(const std::string& name, const Json& params, const Json& options) {
  auto it = builders().find(name);
  if (it == builders().end()) throw NotImplementedError("pplx-conformance: no builder for distribution '" + name + "'");
  return it->second(params, options);
}

distributions::DistPtr distribution_from_json(const Json& spec) {
  const std::string& name = spec["distribution"].as_string();
  if (name == "Independent")
    return distribution_from_json(spec["base"])->to_event(spec["reinterpreted_batch_ndims"].as_int());
  if (name == "Masked") return distribution_from_json(spec["base"])->mask(tensor_from_json(spec["mask"]));
  static const Json empty = Json::parse("{}");
  return build_distribution(name, spec["params"], spec.contains("options") ? spec["options"] : empty);
}

}  // namespace conformance
}  // namespace pplx
