// SPDX-License-Identifier: Apache-2.0
// End to end on CUDA: SVI (reparameterized and score-function guides, a subsampled plate with
// vectorized particles), Bayesian layers and random_module, Predictive, and parameter files moved
// between devices. Every check also asserts that what a step creates lives on the GPU. The suite's
// main (main.cpp beside this file) exits with CTest's skip code when no CUDA device is present.
#include <cmath>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/pplx.h>

namespace dist = pplx::distributions;
namespace fs = std::filesystem;

namespace {

const torch::Device kGpu(torch::kCUDA, 0);

bool on_gpu(const torch::Tensor& t) { return t.defined() && t.device() == kGpu; }

// Every tensor a trace holds (values, log densities, plate indices) is on the GPU.
void check_trace_on_gpu(const pplx::Trace& trace) {
  for (const pplx::Site& s : trace) {
    CAPTURE(s.name);
    if (s.value.defined()) CHECK(on_gpu(s.value));
    if (s.log_prob.defined()) CHECK(on_gpu(s.log_prob));
    if (s.unscaled_log_prob.defined()) CHECK(on_gpu(s.unscaled_log_prob));
  }
}

std::string temp_file(const std::string& tag) {
  return (fs::temp_directory_path() / ("pplx_cuda_" + tag + "_" + std::to_string(::getpid()) + ".pplx")).string();
}

double item(const torch::Tensor& t) { return t.item<double>(); }

}  // namespace

TEST_CASE("SVI on the README regression model recovers the exact posterior mean, all on the GPU") {
  pplx::clear_param_store();
  torch::manual_seed(0);
  const int64_t n = 200;
  const double noise = 0.5;
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(kGpu);
  auto x = torch::randn({n, 3}, opts);
  auto true_w = torch::tensor({1.0, -2.0, 0.5}, opts);
  auto y = x.matmul(true_w) + 0.3 + noise * torch::randn({n}, opts);

  auto model = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({3}, opts), 1.0).to_event(1));
    auto b = pplx::sample("b", dist::Normal(torch::zeros({}, opts), 1.0));
    pplx::plate data("data", xs.size(0), pplx::PlateOptions().device(kGpu));
    pplx::sample("y", dist::Normal(xs.matmul(w) + b, noise), ys);
  };
  auto guide = [&](const torch::Tensor&, const torch::Tensor&) {
    auto w_loc = pplx::param("w_loc", torch::zeros({3}, opts));
    auto w_scale = pplx::param("w_scale", torch::full({3}, 0.1, opts), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    auto b_loc = pplx::param("b_loc", torch::zeros({}, opts));
    auto b_scale = pplx::param("b_scale", torch::full({}, 0.1, opts), pplx::constraints::positive);
    pplx::sample("b", dist::Normal(b_loc, b_scale));
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)), pplx::infer::TraceELBO());
  for (int step = 0; step < 1500; ++step) svi.step(x, y);

  // Exact posterior mean of (w, b) under the N(0, I) prior.
  auto design = torch::cat({x, torch::ones({n, 1}, opts)}, 1);
  auto precision = torch::eye(4, opts) + design.t().mm(design) / (noise * noise);
  auto mean = at::linalg_solve(precision, design.t().mv(y) / (noise * noise), /*left=*/true).cpu();
  auto& store = pplx::get_param_store();
  auto w_loc = store.get("w_loc").cpu();
  for (int i = 0; i < 3; ++i) CHECK(item(w_loc[i]) == doctest::Approx(item(mean[i])).epsilon(0.03));
  CHECK(item(store.get("b_loc").cpu()) == doctest::Approx(item(mean[3])).epsilon(0.05));
  for (const auto& name : store.names()) {
    CAPTURE(name);
    CHECK(on_gpu(store.get_unconstrained(name)));
  }
  const auto& particle = svi.loss().particles().at(0);
  check_trace_on_gpu(particle.model);
  check_trace_on_gpu(particle.guide);
  CHECK(on_gpu(particle.model.at("data").value));  // the plate's indices
}

TEST_CASE("a score-function guide for a discrete latent learns its exact posterior") {
  // z ~ Bernoulli(0.3), x ~ Normal(2 z, 1) observed at x = 1.5: p(z = 1 | x) in closed form.
  pplx::clear_param_store();
  torch::manual_seed(1);
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(kGpu);
  auto x = torch::tensor(1.5, opts);
  auto model = [&](const torch::Tensor& obs) {
    auto z = pplx::sample("z", dist::Bernoulli(torch::tensor(0.3, opts)));
    pplx::sample("x", dist::Normal(2.0 * z, 1.0), obs);
  };
  auto guide = [&](const torch::Tensor&) {
    auto logit = pplx::param("logit", torch::zeros({}, opts));
    pplx::sample("z", dist::Bernoulli(torch::sigmoid(logit)));
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)),
                       pplx::infer::TraceELBO(pplx::infer::TraceELBOOptions().num_particles(16)));
  for (int step = 0; step < 1000; ++step) svi.step(x);
  const double l1 = std::log(0.3) - 0.5 * std::pow(1.5 - 2.0, 2), l0 = std::log(0.7) - 0.5 * 1.5 * 1.5;
  const double exact = 1.0 / (1.0 + std::exp(l0 - l1));
  CHECK(item(torch::sigmoid(pplx::get_param_store().get("logit")).cpu()) == doctest::Approx(exact).epsilon(0.08));
  for (const auto& p : svi.loss().particles()) {
    check_trace_on_gpu(p.model);
    check_trace_on_gpu(p.guide);
  }
}

TEST_CASE("a subsampled plate with vectorized particles recovers the Normal-Normal posterior") {
  pplx::clear_param_store();
  torch::manual_seed(2);
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(kGpu);
  const int64_t n = 100;
  auto data = 3.0 + torch::randn({n}, opts);
  auto model = [&](const torch::Tensor& ys) {
    auto mu = pplx::sample("mu", dist::Normal(torch::zeros({}, opts), 10.0));
    pplx::plate obs("obs", n, pplx::PlateOptions().subsample_size(20).device(kGpu));
    pplx::sample("y", dist::Normal(mu, 1.0), obs.subsample(ys));
  };
  auto guide = [&](const torch::Tensor&) {
    auto loc = pplx::param("loc", torch::zeros({}, opts));
    auto scale = pplx::param("scale", torch::ones({}, opts), pplx::constraints::positive);
    pplx::sample("mu", dist::Normal(loc, scale));
  };
  pplx::infer::SVI svi(
      model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.02)),
      pplx::infer::TraceELBO(pplx::infer::TraceELBOOptions().num_particles(8).vectorize_particles(true)));
  auto loc_avg = torch::zeros({}, opts), scale_avg = torch::zeros({}, opts);
  const int steps = 3000, averaged = 1000;
  for (int step = 0; step < steps; ++step) {
    svi.step(data);
    if (step >= steps - averaged) {
      torch::NoGradGuard g;
      loc_avg += pplx::get_param_store().get("loc");
      scale_avg += pplx::get_param_store().get("scale");
    }
  }
  const double post_prec = 1.0 / 100.0 + n, post_mean = item(data.sum().cpu()) / post_prec;
  CHECK(item(loc_avg.cpu()) / averaged == doctest::Approx(post_mean).epsilon(0.01));
  CHECK(item(scale_avg.cpu()) / averaged == doctest::Approx(1.0 / std::sqrt(post_prec)).epsilon(0.15));
  const auto& particle = svi.loss().particles().at(0);
  CHECK(particle.guide.at("mu").value.size(0) == 8);
  check_trace_on_gpu(particle.model);
  check_trace_on_gpu(particle.guide);
}

TEST_CASE("BayesianLinear with sample_posterior trains, and a TraceMeanFieldELBO KL stays on the GPU") {
  pplx::clear_param_store();
  torch::manual_seed(3);
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(kGpu);
  auto x = torch::randn({256, 20}, opts);
  auto labels = (x.narrow(1, 0, 1).squeeze(1) > 0).to(torch::kLong);
  pplx::nn::BayesianLinear fc1(pplx::nn::BayesianLinearOptions(20, 32));
  pplx::nn::BayesianLinear fc2(pplx::nn::BayesianLinearOptions(32, 2));
  fc1->to(kGpu);
  fc2->to(kGpu);
  auto model = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
    auto logits = fc2(torch::relu(fc1(xs)));
    pplx::plate data("data", xs.size(0), pplx::PlateOptions().device(kGpu));
    pplx::sample("y", dist::Categorical::with_logits(logits), ys);
  };
  auto guide = [&](const torch::Tensor&, const torch::Tensor&) {
    pplx::nn::sample_posterior("fc1", *fc1);
    pplx::nn::sample_posterior("fc2", *fc2);
  };
  std::vector<torch::Tensor> params = fc1->parameters();
  for (const auto& p : fc2->parameters()) params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-2));
  pplx::infer::TraceMeanFieldELBO elbo;
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    auto loss = elbo.differentiable_loss(model, guide, x, labels);
    CHECK(on_gpu(loss));
    loss.backward();
    adam.step();
    (step == 0 ? first : last) = item(loss.cpu());
  }
  CHECK(last < 0.5 * first);
  for (const auto& p : params) CHECK(on_gpu(p));
  check_trace_on_gpu(elbo.particles().at(0).model);
  check_trace_on_gpu(elbo.particles().at(0).guide);
}

TEST_CASE("random_module draws the network's weights on the GPU and SVI fits them") {
  pplx::clear_param_store();
  torch::manual_seed(4);
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(kGpu);
  auto lin = torch::nn::Linear(torch::nn::LinearOptions(2, 1).bias(false));
  lin->to(kGpu);
  auto x = torch::randn({100, 2}, opts);
  auto y = x.matmul(torch::tensor({1.5, -0.5}, opts));
  auto model = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
    auto net = pplx::random_module("lin", lin, dist::Normal(0.0, 1.0));
    auto out = net->forward(xs).squeeze(-1);
    pplx::plate data("data", xs.size(0), pplx::PlateOptions().device(kGpu));
    pplx::sample("y", dist::Normal(out, 0.1), ys);
  };
  auto guide = [&](const torch::Tensor&, const torch::Tensor&) {
    auto loc = pplx::param("w_loc", torch::zeros({1, 2}, opts));
    pplx::sample("lin$$$weight", dist::Normal(loc, 1e-2).to_event(2));
  };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), pplx::infer::TraceELBO());
  for (int step = 0; step < 500; ++step) svi.step(x, y);
  auto w = pplx::get_param_store().get("w_loc").cpu();
  CHECK(item(w[0][0]) == doctest::Approx(1.5).epsilon(0.05));
  CHECK(item(w[0][1]) == doctest::Approx(-0.5).epsilon(0.05));
  check_trace_on_gpu(svi.loss().particles().at(0).model);
}

TEST_CASE("Predictive gives the predictive mean at new inputs on the GPU") {
  pplx::clear_param_store();
  torch::manual_seed(5);
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(kGpu);
  auto model = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({}, opts), 1.0));
    pplx::plate data("data", xs.size(0), pplx::PlateOptions().device(kGpu));
    pplx::sample("y", dist::Normal(w * xs, 0.1), ys);
  };
  auto guide = [&](const torch::Tensor&, const torch::Tensor&) {
    auto loc = pplx::param("loc", torch::tensor(2.0, opts));
    pplx::sample("w", dist::Normal(loc, 0.05));
  };
  pplx::infer::Predictive predictive(model, guide, 400, {"y"});
  auto x_new = torch::tensor({1.0, 2.0, 3.0}, opts);
  auto samples = predictive(x_new, torch::Tensor());
  REQUIRE(samples.count("y"));
  CHECK(on_gpu(samples.at("y")));
  CHECK(samples.at("y").sizes() == c10::IntArrayRef{400, 3});
  auto mean = samples.at("y").mean(0).cpu();
  for (int i = 0; i < 3; ++i) CHECK(item(mean[i]) == doctest::Approx(2.0 * (i + 1)).epsilon(0.02));
}

TEST_CASE("ParamStore files move between CUDA and the CPU in both directions") {
  const std::string path = temp_file("store");
  pplx::ParamStore gpu_store;
  {
    pplx::ParamStoreScope scope(gpu_store);
    pplx::param("a", torch::tensor({1.0, 2.0}, torch::TensorOptions().device(kGpu)));
    pplx::param("s", torch::tensor({0.5}, torch::TensorOptions().device(kGpu)), pplx::constraints::positive);
  }
  gpu_store.save(path);
  pplx::ParamStore cpu_store;
  cpu_store.load(path, torch::Device(torch::kCPU));
  CHECK(cpu_store.get("a").device().is_cpu());
  CHECK(torch::equal(cpu_store.get("a"), gpu_store.get("a").cpu()));
  CHECK(torch::allclose(cpu_store.get("s"), torch::tensor({0.5})));

  cpu_store.save(path);
  pplx::ParamStore back;
  back.load(path, kGpu);
  CHECK(on_gpu(back.get_unconstrained("s")));
  CHECK(torch::equal(back.get("a").cpu(), cpu_store.get("a")));
  fs::remove(path);
}

TEST_CASE("save_posterior on the GPU loads into a CPU network and back") {
  const std::string path = temp_file("posterior");
  torch::manual_seed(6);
  pplx::nn::BayesianLinear gpu_fc(pplx::nn::BayesianLinearOptions(4, 3));
  gpu_fc->to(kGpu);
  pplx::nn::save_posterior(path, "fc", *gpu_fc);
  pplx::nn::BayesianLinear cpu_fc(pplx::nn::BayesianLinearOptions(4, 3));
  pplx::nn::load_posterior(path, "fc", *cpu_fc);
  CHECK(cpu_fc->weight_mu.device().is_cpu());
  CHECK(torch::allclose(cpu_fc->weight_mu, gpu_fc->weight_mu.cpu()));
  CHECK(torch::allclose(cpu_fc->weight_rho, gpu_fc->weight_rho.cpu(), 1e-5, 1e-6));

  torch::NoGradGuard g;
  cpu_fc->weight_mu.add_(1.0);
  pplx::nn::save_posterior(path, "fc", *cpu_fc);
  pplx::nn::load_posterior(path, "fc", *gpu_fc);
  CHECK(on_gpu(gpu_fc->weight_mu));
  CHECK(torch::allclose(gpu_fc->weight_mu.cpu(), cpu_fc->weight_mu));
  fs::remove(path);
}
