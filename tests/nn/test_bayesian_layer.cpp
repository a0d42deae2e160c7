// SPDX-License-Identifier: Apache-2.0
// pplx/nn/linear.h, conv.h, bayesian_layer.h, posterior.h, kl.h: the layers in model, guide and
// prediction roles; Flipout and the local reparameterization against plain reparameterization.
#include <cmath>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/distributions/normal.h>
#include <pplx/error.h>
#include <pplx/handlers/replay.h>
#include <pplx/handlers/trace.h>
#include <pplx/nn/conv.h>
#include <pplx/nn/kl.h>
#include <pplx/nn/linear.h>
#include <pplx/nn/posterior.h>
#include <pplx/param_store.h>

namespace h = pplx::handlers;
namespace nn = pplx::nn;

namespace {
// mu and sigma set by hand, so that expected outputs are known.
void set_posterior(nn::BayesianLayer& l, double mu_scale, double sigma) {
  torch::NoGradGuard g;
  l.weight_mu.copy_(torch::linspace(-1, 1, l.weight_mu.numel()).view(l.weight_mu.sizes()) * mu_scale);
  l.weight_rho.fill_(std::log(std::expm1(sigma)));
  if (l.bias_mu.defined()) {
    l.bias_mu.copy_(torch::linspace(0.5, -0.5, l.bias_mu.numel()));
    l.bias_rho.fill_(std::log(std::expm1(sigma)));
  }
}
}  // namespace

TEST_CASE("BayesianLinear: options, parameters and the mean network") {
  torch::manual_seed(0);
  nn::BayesianLinear fc(nn::BayesianLinearOptions(5, 3));
  CHECK(fc->options.prior_scale() == 1.0);
  CHECK(fc->options.posterior_rho_init() == -3.0);
  auto names = fc->named_parameters().keys();
  CHECK(names == std::vector<std::string>{"weight_mu", "weight_rho", "bias_mu", "bias_rho"});
  CHECK(fc->weight_rho.mean().item<double>() == doctest::Approx(-3.0).epsilon(0.05));
  CHECK(fc->weight_mu.std().item<double>() == doctest::Approx(0.1).epsilon(0.5));
  auto x = torch::randn({4, 5});
  fc->set_weight_mode(nn::WeightMode::mean);
  CHECK(torch::allclose(fc(x), torch::linear(x, fc->weight_mu, fc->bias_mu)));
  nn::BayesianLinear nobias(nn::BayesianLinearOptions(5, 3).bias(false));
  CHECK(nobias->random_parameters() == std::vector<std::string>{"weight"});
  CHECK(nobias->parameters().size() == 2);
  CHECK_THROWS_WITH_AS(fc(torch::randn({4, 6})), doctest::Contains("[4, 6]"), pplx::ShapeError);
  CHECK_THROWS_AS(nn::BayesianLinear(nn::BayesianLinearOptions(5, 3).flipout(true).local_reparameterization(true)),
                  pplx::ValueError);
}

TEST_CASE("BayesianLinear in a model: prior sites, in a guide: posterior sites with registered params") {
  torch::manual_seed(1);
  pplx::clear_param_store();
  nn::BayesianLinear fc(nn::BayesianLinearOptions(3, 2).prior_scale(0.5));
  auto x = torch::randn({4, 3});
  {
    auto tr = h::trace();
    CHECK_THROWS_AS(fc(x), pplx::SiteError);  // unnamed: sites need names
  }
  auto guide_tr = h::trace([&] { nn::sample_posterior("fc", *fc); }).get_trace();
  CHECK(fc->site_name() == "fc");
  const auto& gw = guide_tr.at("fc.weight");
  CHECK(gw.fn->event_shape() == torch::IntArrayRef({2, 3}));
  CHECK(guide_tr.at("fc$$$weight_mu").type == pplx::SiteType::param);
  // The store adopted the module's tensors: an optimizer step on the store moves the module.
  CHECK(pplx::get_param_store().get_unconstrained("fc$$$weight_rho").is_same(fc->weight_rho));
  // The guide's weight is mu + softplus(rho) * eps: differentiable in both.
  CHECK(gw.value.requires_grad());

  at::Tensor y;
  auto model_tr = h::trace([&] { y = fc(x); }).get_trace();
  {
    auto replay = h::replay(guide_tr);
    auto tr = h::trace();
    y = fc(x);
    model_tr = tr.take_trace();
  }
  CHECK(torch::equal(model_tr.at("fc.weight").value, gw.value));
  CHECK(torch::allclose(y, torch::linear(x, gw.value, guide_tr.at("fc.bias").value)));
  // The model's site carries the prior N(0, 0.5^2): its log-density at the guide's draw.
  auto w = gw.value.detach().to(torch::kDouble);
  double expected = (-0.5 * std::log(2 * M_PI) - std::log(0.5) - w.pow(2) / (2 * 0.25)).sum().item<double>();
  CHECK(model_tr.at("fc.weight").fn->log_prob(gw.value).item<double>() == doctest::Approx(expected).epsilon(1e-5));
}

TEST_CASE("The sites' E[log q - log p] is kl_divergence(layer), which is analytic for a Normal prior") {
  torch::manual_seed(2);
  nn::BayesianLinear fc(nn::BayesianLinearOptions(3, 2).prior_mean(0.2).prior_scale(0.7));
  set_posterior(*fc, 0.8, 0.3);
  nn::set_site_names("fc", *fc);
  // Closed form by hand: sum over 8 elements of log(0.7/0.3) + (0.09 + (m - 0.2)^2) / (2 * 0.49) - 1/2.
  double expected = 0;
  auto all_mu = torch::cat({fc->weight_mu.flatten(), fc->bias_mu}).to(torch::kDouble);
  for (int64_t i = 0; i < all_mu.numel(); ++i) {
    double m = all_mu[i].item<double>();
    expected += std::log(0.7 / 0.3) + (0.09 + (m - 0.2) * (m - 0.2)) / (2 * 0.49) - 0.5;
  }
  auto kl = fc->kl_divergence();
  CHECK(kl.item<double>() == doctest::Approx(expected).epsilon(1e-5));
  CHECK(kl.requires_grad());
  // Monte Carlo over the sites, exactly as an ELBO sees them.
  torch::NoGradGuard g;
  const int n = 4000;
  std::vector<double> d;
  auto x = torch::randn({1, 3});
  for (int i = 0; i < n; ++i) {
    auto gtr = h::trace([&] { fc->sample_posterior_sites(); }).get_trace();
    auto replay = h::replay(gtr);
    auto mtr = h::trace();
    fc(x);
    d.push_back((gtr.log_prob_sum() - mtr.get_trace().log_prob_sum()).item<double>());
  }
  auto t = torch::tensor(d, torch::kDouble);
  double se = t.std().item<double>() / std::sqrt(n);
  CHECK(std::abs(t.mean().item<double>() - expected) < 4 * se);
}

TEST_CASE("kl_divergence by Monte Carlo for a non-Normal prior agrees with a long direct average") {
  torch::manual_seed(3);
  auto prior = nn::priors::scale_mixture(0.5, 1.0, 0.05, /*num_mc_samples=*/200);
  nn::BayesianLinear fc(nn::BayesianLinearOptions(4, 3).prior(prior));
  set_posterior(*fc, 0.5, 0.2);
  torch::NoGradGuard g;
  auto kl = fc->kl_divergence().item<double>();
  // E_q[log q(W) - log p(W)] from 20000 draws.
  double direct = 0;
  for (const auto& p : fc->random_parameters()) {
    auto q = fc->posterior(p);
    auto w = q->sample({20000});
    direct += (q->log_prob(w) - fc->prior(p)->log_prob(w)).mean().item<double>();
  }
  CHECK(kl == doctest::Approx(direct).epsilon(0.02));
}

TEST_CASE("Flipout and local reparameterization: output mean and variance equal plain reparameterization's") {
  torch::manual_seed(4);
  auto make = [](bool flipout, bool lrt) {
    nn::BayesianLinear fc(nn::BayesianLinearOptions(3, 2).flipout(flipout).local_reparameterization(lrt));
    set_posterior(*fc, 1.0, 0.4);
    fc->set_weight_mode(nn::WeightMode::posterior);
    return fc;
  };
  auto plain = make(false, false), flip = make(true, false), lrt = make(false, true);
  auto x = torch::tensor({{1.0f, -2.0f, 0.5f}, {0.3f, 0.3f, -1.0f}});
  const int n = 20000;
  torch::NoGradGuard g;
  auto draws = [&](nn::BayesianLinear& m) {
    std::vector<torch::Tensor> ys;
    for (int i = 0; i < n; ++i) ys.push_back(m(x));
    return torch::stack(ys).to(torch::kDouble);  // [n, 2, 2]
  };
  auto yp = draws(plain), yf = draws(flip), yl = draws(lrt);
  // Closed forms: E y = x mu^T + b_mu, Var y = x^2 sigma^2^T + sigma_b^2.
  auto mean = torch::linear(x, plain->weight_mu, plain->bias_mu).to(torch::kDouble);
  auto var = torch::linear(x * x, torch::full({2, 3}, 0.16f), torch::full({2}, 0.16f)).to(torch::kDouble);
  auto se = (var / n).sqrt();
  CHECK(((yp.mean(0) - mean).abs() < 4 * se).all().item<bool>());
  CHECK(((yf.mean(0) - mean).abs() < 4 * se).all().item<bool>());
  CHECK(((yl.mean(0) - mean).abs() < 4 * se).all().item<bool>());
  CHECK(((yf.mean(0) - yp.mean(0)).abs() < 5 * se).all().item<bool>());
  CHECK(torch::allclose(yf.var(0), var, /*rtol=*/0.05));
  CHECK(torch::allclose(yl.var(0), var, /*rtol=*/0.05));
  CHECK(torch::allclose(yp.var(0), var, /*rtol=*/0.05));
  // Plain reparameterization shares one weight draw over the batch: identical inputs, identical
  // outputs. Flipout decorrelates them (two rows agree only when all 5 signs agree or all flip,
  // probability 1/16, so 8 equal rows would be a 16^-7 coincidence).
  auto same = torch::ones({8, 3});
  auto a = plain(same), b = flip(same);
  CHECK(torch::equal(a, a[0].expand({8, 2})));
  CHECK_FALSE(torch::equal(b, b[0].expand({8, 2})));
}

TEST_CASE("Flipout in a model replays the guide's weight draw and is unbiased for its output mean") {
  torch::manual_seed(5);
  pplx::clear_param_store();
  nn::BayesianLinear fc(nn::BayesianLinearOptions(2, 1).flipout(true));
  set_posterior(*fc, 1.0, 0.3);
  auto x = torch::tensor({{1.0f, 2.0f}});
  torch::NoGradGuard g;
  double sum = 0;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    auto gtr = h::trace([&] { nn::sample_posterior("fc", *fc); }).get_trace();
    auto replay = h::replay(gtr);
    sum += fc(x).item<double>();
  }
  double mean = torch::linear(x, fc->weight_mu, fc->bias_mu).item<double>();
  double sd = std::sqrt(0.09 * (1 + 4) + 0.09);
  CHECK(std::abs(sum / n - mean) < 4 * sd / std::sqrt(n));
}

TEST_CASE("BayesianConv1d/2d/3d: shapes, any kernel, mean network, Flipout mean") {
  torch::manual_seed(6);
  nn::BayesianConv2d c2(nn::BayesianConv2dOptions(2, 4, {3, 5}).padding({1, 2}).stride(1));
  CHECK(c2->weight_mu.sizes() == torch::IntArrayRef({4, 2, 3, 5}));
  auto x = torch::randn({3, 2, 8, 8});
  c2->set_weight_mode(nn::WeightMode::mean);
  CHECK(torch::allclose(c2(x), torch::conv2d(x, c2->weight_mu, c2->bias_mu, 1, {1, 2}), 1e-5, 1e-6));
  nn::BayesianConv1d c1(nn::BayesianConv1dOptions(3, 6, 4).groups(3).bias(false));
  c1->set_weight_mode(nn::WeightMode::posterior);
  CHECK(c1(torch::randn({2, 3, 10})).sizes() == torch::IntArrayRef({2, 6, 7}));
  nn::BayesianConv3d c3(nn::BayesianConv3dOptions(1, 2, {3, 1, 2}));
  c3->set_weight_mode(nn::WeightMode::posterior);
  CHECK(c3(torch::randn({1, 1, 5, 5, 5})).sizes() == torch::IntArrayRef({1, 2, 3, 5, 4}));
  CHECK_THROWS_AS(c2(torch::randn({3, 3, 8, 8})), pplx::ShapeError);
  CHECK_THROWS_AS(nn::BayesianConv2d(nn::BayesianConv2dOptions(3, 4, 3).groups(2)), pplx::ValueError);

  nn::BayesianConv2d flip(nn::BayesianConv2dOptions(2, 3, 3).flipout(true));
  set_posterior(*flip, 0.5, 0.3);
  flip->set_weight_mode(nn::WeightMode::posterior);
  auto xi = torch::randn({2, 2, 5, 5});
  torch::NoGradGuard g;
  const int n = 4000;
  auto acc = torch::zeros({2, 3, 3, 3}, torch::kDouble);
  for (int i = 0; i < n; ++i) acc += flip(xi).to(torch::kDouble);
  auto mean = torch::conv2d(xi, flip->weight_mu, flip->bias_mu).to(torch::kDouble);
  auto sd = torch::conv2d(xi * xi, torch::full({3, 2, 3, 3}, 0.09f), torch::full({3}, 0.09f)).sqrt().to(torch::kDouble);
  CHECK(((acc / n - mean).abs() < 4.5 * sd / std::sqrt(n)).all().item<bool>());
}

TEST_CASE("clone() gives an independent layer, WeightModeScope restores modes") {
  torch::manual_seed(7);
  nn::BayesianLinear fc(nn::BayesianLinearOptions(3, 2));
  nn::set_site_names("fc", *fc);
  auto copy = std::dynamic_pointer_cast<nn::BayesianLinearImpl>(fc->clone());
  REQUIRE(copy);
  CHECK(copy->site_name() == "fc");
  CHECK(torch::equal(copy->weight_mu, fc->weight_mu));
  {
    torch::NoGradGuard g;
    copy->weight_mu.add_(1.0);
  }
  CHECK_FALSE(torch::equal(copy->weight_mu, fc->weight_mu));
  {
    nn::WeightModeScope mean(*fc, nn::WeightMode::mean);
    CHECK(fc->weight_mode() == nn::WeightMode::mean);
  }
  CHECK(fc->weight_mode() == nn::WeightMode::model);
}

TEST_CASE("Any distribution as prior: shorthand option, one event of the weight's shape") {
  nn::BayesianConv2d conv(nn::BayesianConv2dOptions(2, 3, {1, 2}).prior(pplx::distributions::Normal(0.5, 2.0)));
  auto p = conv->prior("weight");
  CHECK(p->event_shape() == torch::IntArrayRef({3, 2, 1, 2}));
  auto w = torch::zeros({3, 2, 1, 2});
  // 12 elements of N(0.5, 2^2) at 0.
  CHECK(p->log_prob(w).item<double>() ==
        doctest::Approx(12 * (-0.5 * std::log(2 * M_PI) - std::log(2.0) - 0.25 / 8)).epsilon(1e-6));
  CHECK(conv->prior_spec().description() == "Normal");
}
