// SPDX-License-Identifier: Apache-2.0
// Customizing SVI objectives, part 6: a beta-VAE on Fashion-MNIST.
//
// A beta-VAE weighs the KL term of the ELBO by beta. In Pyro's formulation that is just
// handlers::scale(beta) around the latent site, in the model and in the guide alike: the model's
// log p(z) and the guide's log q(z) both count beta times, the likelihood counts once.
// Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), read by the examples'
// loader.
#include <algorithm>
#include <iostream>

#include <torch/torch.h>

#include <common/args.h>
#include <common/datasets.h>
#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace handlers = pplx::handlers;

namespace {
constexpr int64_t kPixels = 784;

struct VAE {
  int64_t z_dim, hidden;
  double beta;
  torch::nn::Sequential encoder, decoder;
  VAE(int64_t z_dim_, int64_t hidden_, double beta_)
      : z_dim(z_dim_),
        hidden(hidden_),
        beta(beta_),
        encoder(torch::nn::Linear(kPixels, hidden), torch::nn::Softplus(), torch::nn::Linear(hidden, 2 * z_dim)),
        decoder(torch::nn::Linear(z_dim, hidden), torch::nn::Softplus(), torch::nn::Linear(hidden, kPixels)) {}

  // p(x | z) p(z): z ~ N(0, I), pixels ~ Bernoulli(logits = decoder(z)). Tensors are created on the
  // data's device (x.options()).
  void model(const torch::Tensor& x) {
    auto net = pplx::module("decoder", decoder);
    pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
    torch::Tensor z;
    {
      auto kl_weight = handlers::scale(beta);
      z = pplx::sample("latent", dist::Normal(torch::zeros({x.size(0), z_dim}, x.options()), 1.0).to_event(1));
    }
    pplx::sample("obs", dist::Bernoulli::with_logits(net->forward(z)).to_event(1), x);
  }
  // q(z | x): a diagonal Normal whose mean and scale the encoder predicts.
  void guide(const torch::Tensor& x) {
    auto net = pplx::module("encoder", encoder);
    pplx::plate data("data", x.size(0), pplx::PlateOptions().device(x.device()));
    auto out = net->forward(x);
    auto kl_weight = handlers::scale(beta);
    pplx::sample(
        "latent",
        dist::Normal(out.narrow(1, 0, z_dim), torch::softplus(out.narrow(1, z_dim, z_dim)) + 1e-4).to_event(1));
  }
};
}  // namespace

int main(int argc, char** argv) {
  auto args = pplx::examples::parse_args(argc, argv, "beta-VAE on Fashion-MNIST", {"--beta"});
  torch::manual_seed(args.seed);
  const double beta = std::stod(args.get("--beta", "4.0"));
  const int64_t n_train = args.by_mode<int64_t>(384, 10000, 60000);
  const int64_t epochs = args.steps_or(3, 10, 30);
  const int64_t batch = 128;

  auto train = pplx::examples::load_fashion_mnist("train", n_train);
  auto test = pplx::examples::load_fashion_mnist("test", args.ci ? 256 : 2000);
  // Binarize with a fixed threshold (the Bernoulli likelihood needs 0/1 pixels); on the device.
  auto train_x = (train.images > 0.5).to(args.device, torch::kFloat);
  auto test_x = (test.images > 0.5).to(args.device, torch::kFloat);

  VAE vae(/*z_dim=*/args.by_mode<int64_t>(8, 16, 32), /*hidden=*/args.by_mode<int64_t>(128, 256, 400), beta);
  vae.encoder->to(args.device);
  vae.decoder->to(args.device);
  auto model = [&](const torch::Tensor& x) { vae.model(x); };
  auto guide = [&](const torch::Tensor& x) { vae.guide(x); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(1e-3)), pplx::infer::TraceELBO());

  double first_epoch = 0, last_epoch = 0, test_loss = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    auto perm = torch::randperm(train_x.size(0), torch::TensorOptions().dtype(torch::kLong).device(args.device));
    double total = 0;
    for (int64_t i = 0; i < train_x.size(0); i += batch) {
      auto idx = perm.slice(0, i, std::min(i + batch, train_x.size(0)));
      total += svi.step(train_x.index_select(0, idx));
    }
    total /= train_x.size(0);
    test_loss = svi.evaluate_loss(test_x) / test_x.size(0);
    if (epoch == 0) first_epoch = total;
    last_epoch = total;
    std::cout << "epoch " << epoch << "  train loss/image " << total << "  test loss/image " << test_loss << "\n";
  }
  std::cout << "summary: beta " << beta << ", train loss/image " << first_epoch << " -> " << last_epoch
            << ", test loss/image " << test_loss << "\n";
  return last_epoch < first_epoch ? 0 : 1;
}
