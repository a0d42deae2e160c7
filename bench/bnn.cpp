// SPDX-License-Identifier: Apache-2.0
// bnn: the 784-1024-10 Bayesian neural network of Pyro's tutorial (random_module, N(0, 1) priors,
// Normal guide with softplus scales), batch 128 of synthetic Fashion-MNIST-shaped data.
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <pplx/distributions/categorical.h>
#include <pplx/distributions/normal.h>
#include <pplx/module.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

#include "bench.h"
#include "raw.h"
#include "svi_step.h"

namespace pplx_bench {

namespace dist = pplx::distributions;

void run_bnn(const Options& o) {
  const int64_t batch = 128;
  const double lr = 0.01;
  auto opts = at::TensorOptions().dtype(at::kFloat).device(o.device);
  torch::manual_seed(2);
  torch::nn::Sequential net(torch::nn::Linear(784, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 10));
  net->to(o.device);
  // Synthetic data of Fashion-MNIST's shape: pixels in [0, 1), labels in 0..9.
  auto x = at::rand({batch, 784}, opts);
  auto y = at::randint(0, 10, {batch}, opts.dtype(at::kLong));
  auto zero = at::zeros({}, opts), one = at::ones({}, opts);

  // The guide's variational parameters, one (loc, rho) pair per weight tensor, scale = softplus(rho)
  // (bayesian-torch's initialization: loc ~ N(0, 0.1), rho = -3).
  struct Weight {
    std::string site, loc_name, rho_name;
    at::Tensor loc_init, rho_init;
  };
  std::vector<Weight> weights;
  for (const auto& item : net->named_parameters()) {
    const auto& p = item.value();
    weights.push_back({"module$$$" + item.key(), item.key() + "_loc", item.key() + "_rho",
                       0.1 * at::randn(p.sizes(), opts), at::full(p.sizes(), -3.0, opts)});
  }

  auto model = [=] {
    auto lifted = pplx::random_module("module", net, dist::Normal(zero, one));
    pplx::plate data("data", batch, pplx::PlateOptions().device(o.device));
    pplx::sample("obs", dist::Categorical::with_logits(lifted->forward(x)), y);
  };
  auto guide = [=] {
    for (const auto& w : weights) {
      auto loc = pplx::param(w.loc_name, w.loc_init);
      auto scale = at::softplus(pplx::param(w.rho_name, w.rho_init));
      pplx::sample(w.site, dist::Normal(loc, scale).to_event(loc.dim()));
    }
  };

  struct Raw {
    std::vector<at::Tensor> loc, rho, params;
    std::unique_ptr<torch::optim::Adam> adam;
  };
  // A fresh raw loop (parameters and Adam state), for the eager and the graph rows.
  auto make_raw = [=]() -> Step {
    auto r = std::make_shared<Raw>();
    for (const auto& w : weights) {
      r->loc.push_back(raw::leaf(w.loc_init));
      r->rho.push_back(raw::leaf(w.rho_init));
      r->params.push_back(r->loc.back());
      r->params.push_back(r->rho.back());
    }
    r->adam = std::make_unique<torch::optim::Adam>(r->params, torch::optim::AdamOptions(lr));
    return [=] {
      const size_t n = r->loc.size();
      std::vector<at::Tensor> w(n), scale(n);
      for (size_t j = 0; j < n; ++j) {  // guide draws, in named_parameters() order
        scale[j] = at::softplus(r->rho[j]);
        w[j] = r->loc[j] + at::randn(r->loc[j].sizes(), opts) * scale[j];
      }
      auto logits = at::linear(at::relu(at::linear(x, w[0], w[1])), w[2], w[3]);
      at::Tensor log_p;
      for (size_t j = 0; j < n; ++j) {
        auto lp = raw::normal_log_prob(w[j], zero, one).sum();
        log_p = log_p.defined() ? log_p + lp : lp;
      }
      auto log_softmax = logits - logits.logsumexp(-1, true);
      log_p = log_p + log_softmax.gather(-1, y.unsqueeze(-1)).squeeze(-1).sum();
      at::Tensor log_q;
      for (size_t j = 0; j < n; ++j) {
        auto lq = raw::normal_log_prob(w[j], r->loc[j], scale[j]).sum();
        log_q = log_q.defined() ? log_q + lq : lq;
      }
      return raw::finish_step(-(log_p - log_q), *r->adam, r->params);
    };
  };
  const Step raw_step = make_raw();

  pplx::clear_param_store();
  auto pplx_step = make_svi_step(model, guide, lr);
  check_same_math("bnn", pplx_step, raw_step, o.quick ? 2 : 3);
  report_ops("bnn", pplx_step, raw_step, o.ops_detail);
  const int64_t steps = o.steps ? o.steps : (o.quick ? 3 : 30);
  report("bnn", time_alternating(pplx_step, raw_step, o.quick ? 1 : 3, steps, 1));
  if (o.device.is_cuda()) {
    pplx::clear_param_store();
    GraphSummary summary;
    const Step graph_step = make_svi_graph_step(model, guide, lr, summary);
    report_graph(o, "bnn", graph_step, summary, make_raw(), 6, o.quick ? 1 : 3, steps, 1);
  }
}

}  // namespace pplx_bench
