// SPDX-License-Identifier: Apache-2.0
// The Pyro tutorial's Bayesian neural network, on Fashion-MNIST.
//
// A 784-1024-10 network whose every weight and bias has the prior N(0, 1): the model lifts the
// ordinary torch::nn network with pplx::random_module, so each parameter becomes a sample site
// "module$$$<name>". The guide is a Normal per parameter with a softplus scale. SVI with TraceELBO
// and Adam(0.01) fits it on minibatches; a plate over the training set with explicit subsample
// indices scales the likelihood by N / batch, so the loss is the true ELBO. (The tutorial has no
// plate, which counts the KL once per minibatch.) Predictions average the class probabilities of
// 10 sampled networks.
//
// Then the tutorial's "I don't know": each test image is shown to 100 sampled networks; a class is
// a candidate when its median probability exceeds 0.2, and the network refuses to answer when no
// class is. We report the accuracy on the answered images and how many were refused.
// Data: Debian's dataset-fashion-mnist.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <common/datasets.h>
#include <pplx/distributions/categorical.h>
#include <pplx/distributions/normal.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/infer/svi.h>
#include <pplx/infer/trace_elbo.h>
#include <pplx/module.h>
#include <pplx/optim/pytorch_optimizers.h>
#include <pplx/param_store.h>
#include <pplx/plate.h>
#include <pplx/primitives.h>

namespace dist = pplx::distributions;
namespace h = pplx::handlers;
namespace ex = pplx::examples;

namespace {

struct PyroBNN {
  int64_t n_train;
  torch::Device device;
  torch::nn::Sequential net{torch::nn::Linear(784, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 10)};

  PyroBNN(int64_t n_train_, torch::Device device_) : n_train(n_train_), device(device_) { net->to(device); }

  // N(0, 1) on the network's device: random_module broadcasts it to each parameter's shape, and a
  // CPU prior would meet the parameters' draws on the GPU.
  dist::Normal prior() const { return dist::Normal(torch::zeros({}, torch::TensorOptions().device(device)), 1.0); }

  // Prior N(0, 1) on every parameter; the likelihood in a plate over the whole training set.
  void model(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& idx) {
    auto lifted = pplx::random_module("module", net, prior());
    auto logits = torch::log_softmax(lifted->forward(x), 1);
    pplx::plate data("data", n_train, pplx::PlateOptions().subsample(idx));
    pplx::sample("obs", dist::Categorical::with_logits(logits), y);
  }

  // q(w) = N(mu, softplus(rho)) for every parameter tensor, independent elements.
  void guide(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
    for (const auto& item : net->named_parameters()) {
      const auto& p = item.value();
      auto mu = pplx::param("guide." + item.key() + ".mu", [&] { return torch::randn_like(p) * 0.1; });
      auto rho = pplx::param("guide." + item.key() + ".rho", [&] { return torch::full_like(p, -5.0); });
      pplx::sample(std::string("module") + pplx::kModuleSeparator + item.key(),
                   dist::Normal(mu, torch::softplus(rho)).to_event(p.dim()));
    }
  }

  // Class probabilities [S, N, C] of `num_networks` networks drawn from the guide.
  torch::Tensor sampled_probs(const torch::Tensor& x, int64_t num_networks) {
    torch::NoGradGuard g;
    std::vector<torch::Tensor> out;
    for (int64_t s = 0; s < num_networks; ++s) {
      auto guide_tr = h::trace([&] { guide(x, {}, {}); }).get_trace();
      auto replay = h::replay(guide_tr);
      auto lifted = pplx::random_module("module", net, prior());
      std::vector<torch::Tensor> chunks;
      for (int64_t i = 0; i < x.size(0); i += 2000)
        chunks.push_back(torch::softmax(lifted->forward(x.narrow(0, i, std::min<int64_t>(2000, x.size(0) - i))), 1));
      out.push_back(torch::cat(chunks));
    }
    return torch::stack(out);
  }
};

}  // namespace

int main(int argc, char** argv) {
  auto args = ex::parse_args(argc, argv, "The Pyro tutorial's Bayesian neural network on Fashion-MNIST");
  torch::manual_seed(args.seed);
  pplx::clear_param_store();
  // Images and labels move to the device once; the minibatches are index_selects there.
  auto train = ex::load_fashion_mnist("train", args.by_mode<int64_t>(1000, 60000, 60000)).to(args.device);
  auto test = ex::load_fashion_mnist("test", args.by_mode<int64_t>(500, 10000, 10000)).to(args.device);
  if (train.images.size(1) != 784 || test.images.size(1) != 784 || train.labels.max().item<int64_t>() > 9 ||
      test.labels.min().item<int64_t>() < 0) {
    std::cerr << "unexpected Fashion-MNIST shapes or labels\n";
    return 1;
  }
  std::printf("Fashion-MNIST: %lld training and %lld test images\n", static_cast<long long>(train.size()),
              static_cast<long long>(test.size()));

  PyroBNN bnn(train.size(), args.device);
  auto model = [&](const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& idx) { bnn.model(x, y, idx); };
  auto guide = [&](const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& idx) { bnn.guide(x, y, idx); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());

  const int64_t batch = 128, epochs = args.steps_or(1, 5, 20);
  const int64_t n = train.size();
  double train_seconds = 0;
  int64_t steps = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong).device(args.device));
    double total = 0;
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < n; i += batch, ++steps) {
      auto idx = perm.narrow(0, i, std::min(batch, n - i));
      total += svi.step(train.images.index_select(0, idx), train.labels.index_select(0, idx), idx);
    }
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto probs = bnn.sampled_probs(test.images, 10).mean(0);
    double acc = probs.argmax(1).eq(test.labels).to(torch::kDouble).mean().item<double>();
    std::printf("epoch %2lld  -ELBO per training image %.4f  test accuracy (10 networks) %.2f %%  [%.0f ms/step]\n",
                static_cast<long long>(epoch + 1), total / ((n + batch - 1) / batch) / n, 100 * acc,
                1000 * train_seconds / steps);
  }

  // "I don't know": 100 networks per image, median probability per class, threshold 0.2.
  const int64_t networks = args.ci ? 10 : 100;
  auto probs = bnn.sampled_probs(test.images, networks);  // [S, N, 10]
  auto median = std::get<0>(probs.median(0));             // [N, 10]
  auto best = median.max(1);
  auto answered = std::get<0>(best) > 0.2;
  auto correct = std::get<1>(best).eq(test.labels).logical_and(answered);
  const auto n_answered = answered.sum().item<int64_t>();
  const double mean_acc = probs.mean(0).argmax(1).eq(test.labels).to(torch::kDouble).mean().item<double>();
  std::printf("test accuracy, average of %lld networks: %.2f %%\n", static_cast<long long>(networks), 100 * mean_acc);
  std::printf(
      "with refusal (median class probability > 0.2 over %lld networks): answered %lld of %lld images, "
      "refused %lld; accuracy on answered %.2f %%\n",
      static_cast<long long>(networks), static_cast<long long>(n_answered), static_cast<long long>(test.size()),
      static_cast<long long>(test.size() - n_answered),
      n_answered ? 100.0 * correct.sum().item<int64_t>() / n_answered : 0.0);
  if (args.full) std::printf("goal (>= 84 %% test accuracy): %s\n", mean_acc >= 0.84 ? "met" : "NOT met");
  return 0;
}
