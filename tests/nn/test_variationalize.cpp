// SPDX-License-Identifier: Apache-2.0
// pplx/nn/variationalize.h: an ordinary torch::nn network made Bayesian, never modifying the input;
// and core random_module's promise of the same.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/handlers/trace.h>
#include <pplx/module.h>
#include <pplx/nn/kl.h>
#include <pplx/nn/posterior.h>
#include <pplx/nn/variationalize.h>
#include <pplx/param_store.h>

namespace h = pplx::handlers;
namespace nn = pplx::nn;
namespace dist = pplx::distributions;

namespace {

// A custom module inside a Sequential (torch::nn::Sequential cannot hold another Sequential).
struct InnerImpl : torch::nn::Cloneable<InnerImpl> {
  InnerImpl() { reset(); }
  void reset() override { fc = register_module("fc", torch::nn::Linear(8, 3)); }
  torch::Tensor forward(const torch::Tensor& x) { return fc(x); }
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Inner);

// conv-bn-pool and a Sequential head holding a custom module: typed members, as C++ networks are
// usually written.
struct SmallCnnImpl : torch::nn::Cloneable<SmallCnnImpl> {
  SmallCnnImpl() { reset(); }
  void reset() override {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)));
    bn = register_module("bn", torch::nn::BatchNorm2d(4));
    head = register_module("head", torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(4 * 4 * 4, 8),
                                                         torch::nn::ReLU(), Inner()));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return head->forward(torch::max_pool2d(torch::relu(bn(conv(x))), 2));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(SmallCnn);

std::map<std::string, torch::Tensor> snapshot(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> s;
  for (const auto& p : m.named_parameters()) s[p.key()] = p.value().detach().clone();
  for (const auto& b : m.named_buffers()) s["buffer:" + b.key()] = b.value().detach().clone();
  return s;
}

void check_unchanged(torch::nn::Module& m, const std::map<std::string, torch::Tensor>& before) {
  auto now = snapshot(m);
  REQUIRE(now.size() == before.size());
  for (const auto& kv : before) {
    INFO(kv.first);
    CHECK(torch::equal(now.at(kv.first), kv.second));
  }
  for (const auto& p : m.parameters()) CHECK(p.requires_grad());
}

}  // namespace

TEST_CASE("variationalize replaces Linear and Conv at any depth, keeps batch norm, names sites by path") {
  torch::manual_seed(0);
  pplx::clear_param_store();
  SmallCnn cnn;
  auto bnn = nn::variationalize(cnn);
  CHECK(bnn->num_bayesian_layers() == 3);
  auto layers = nn::bayesian_layers(*bnn);
  REQUIRE(layers.size() == 3);
  CHECK(layers[0].first == "conv");
  CHECK(layers[1].first == "head_1");
  CHECK(layers[2].first == "head_3_fc");
  auto x = torch::randn({2, 1, 8, 8});
  auto guide_tr = h::trace([&] { nn::sample_posterior("cnn", *bnn); }).get_trace();
  for (const char* s : {"cnn.conv.weight", "cnn.conv.bias", "cnn.head_1.weight", "cnn.head_3_fc.bias"})
    CHECK(guide_tr.contains(s));
  // Batch norm stays an ordinary learnable parameter; the replaced weights are not params.
  CHECK(guide_tr.contains("cnn$$$module.bn.weight"));
  CHECK(guide_tr.contains("cnn$$$conv.weight_mu"));
  CHECK_FALSE(guide_tr.contains("cnn$$$module.conv.weight"));
  auto model_tr = h::trace([&] { CHECK(bnn->forward(x).sizes() == torch::IntArrayRef({2, 3})); }).get_trace();
  CHECK(model_tr.at("cnn.head_1.weight").fn->event_shape() == torch::IntArrayRef({8, 64}));
}

TEST_CASE("variationalize never modifies its input, even while the variational copy trains") {
  torch::manual_seed(1);
  pplx::clear_param_store();
  SmallCnn cnn;
  cnn->train();
  auto before = snapshot(*cnn);
  auto bnn = nn::variationalize(cnn, nn::priors::mixtgauss(1, 1.0, 0.01, 0.5));
  nn::set_weight_mode(*bnn, nn::WeightMode::posterior);
  torch::optim::Adam opt(bnn->parameters(), 0.1);
  auto x = torch::randn({4, 1, 8, 8});
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    auto loss = bnn->forward(x).pow(2).mean() + bnn->prior_loss() / 100;
    loss.backward();
    opt.step();
  }
  check_unchanged(*cnn, before);
  // The copy did change: its batch norm statistics moved.
  CHECK_FALSE(torch::equal(bnn->module->bn->running_mean, cnn->bn->running_mean));
}

TEST_CASE("variationalize: zero_mean(false) in mean mode computes exactly the original network") {
  torch::manual_seed(2);
  SmallCnn cnn;
  cnn->eval();
  auto bnn = nn::variationalize(cnn, nn::priors::gaussian(), nn::VariationalizeOptions().zero_mean(false));
  bnn->eval();
  nn::set_weight_mode(*bnn, nn::WeightMode::mean);
  auto x = torch::randn({3, 1, 8, 8});
  CHECK(torch::allclose(bnn->forward(x), cnn->forward(x), 1e-5, 1e-6));
}

TEST_CASE("variationalize with PyVarInf's gaussian prior starts at the prior: PyVarInf's init, zero KL") {
  torch::manual_seed(3);
  SmallCnn cnn;
  auto bnn = nn::variationalize(cnn);
  auto& conv = *nn::bayesian_layers(*bnn)[0].second;
  CHECK(torch::allclose(torch::softplus(conv.weight_rho), torch::full({}, 1.0 / 3.0)));  // fan_in 1 * 3 * 3
  CHECK(torch::allclose(torch::softplus(conv.bias_rho), torch::full({}, 0.01)));
  CHECK(torch::all(conv.weight_mu == 0).item<bool>());
  CHECK(bnn->prior_loss().item<double>() == doctest::Approx(0.0).epsilon(1e-6).scale(1.0));
  {
    torch::NoGradGuard g;
    conv.weight_mu.fill_(0.1);
  }
  // Moving one layer's means by 0.1 costs 36 * 0.1^2 / (2 * (1/3)^2) nats.
  CHECK(nn::kl_divergence(*bnn).item<double>() == doctest::Approx(36 * 0.01 * 9 / 2).epsilon(1e-4));
}

TEST_CASE("variationalize works with each of PyVarInf's four priors") {
  torch::manual_seed(4);
  pplx::clear_param_store();
  SmallCnn cnn;
  auto x = torch::randn({2, 1, 8, 8});
  std::vector<pplx::Prior> all = {nn::priors::gaussian(), nn::priors::conjugate(2, 1.0, 1.0, 0.0, 1.0),
                                  nn::priors::conjugate_known_mean(2, 0.0, 1.0, 1.0),
                                  nn::priors::mixtgauss(2, 1.0, 0.0025, 0.5)};
  for (const auto& prior : all) {
    INFO(prior.description());
    auto bnn = nn::variationalize(cnn, prior);
    auto gtr = h::trace([&] { nn::sample_posterior("cnn", *bnn); }).get_trace();
    auto mtr = h::trace([&] { bnn->forward(x); }).get_trace();
    CHECK(std::isfinite(mtr.log_prob_sum().item<double>()));
    auto kl = bnn->prior_loss();
    CHECK(std::isfinite(kl.item<double>()));
    kl.backward();
    CHECK(nn::bayesian_layers(*bnn)[0].second->weight_rho.grad().defined());
  }
}

TEST_CASE("variationalize of a module that cannot be cloned is an error, not a mutation") {
  struct Plain : torch::nn::Module {
    Plain() { fc = register_module("fc", torch::nn::Linear(2, 2)); }
    torch::Tensor forward(const torch::Tensor& x) { return fc(x); }
    torch::nn::Linear fc{nullptr};
  };
  auto plain = std::make_shared<Plain>();
  CHECK_THROWS_AS(nn::variationalize(plain), pplx::ValueError);
}

TEST_CASE("random_module never modifies its input") {
  torch::manual_seed(5);
  pplx::clear_param_store();
  torch::nn::Sequential net(torch::nn::Linear(3, 4), torch::nn::ReLU(), torch::nn::Linear(4, 2));
  auto before = snapshot(*net);
  auto tr = h::trace();
  auto sampled = pplx::random_module("net", net, dist::Normal(0.0, 1.0));
  auto y = sampled->forward(torch::randn({5, 3}));
  CHECK(y.sizes() == torch::IntArrayRef({5, 2}));
  check_unchanged(*net, before);
  CHECK(tr.get_trace().contains("net$$$0.weight"));
  CHECK_FALSE(torch::equal(sampled->named_parameters()["0.weight"], net->named_parameters()["0.weight"]));
}
