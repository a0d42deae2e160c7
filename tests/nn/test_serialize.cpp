// SPDX-License-Identifier: Apache-2.0
// pplx/nn/serialize.h: a trained posterior saved, then loaded in another process and used there.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>  // getpid, readlink

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/archive.h>
#include <pplx/error.h>
#include <pplx/nn/linear.h>
#include <pplx/nn/posterior.h>
#include <pplx/nn/serialize.h>
#include <pplx/nn/uncertainty.h>

namespace nn = pplx::nn;

namespace {

torch::nn::Sequential make_net() {
  return torch::nn::Sequential(nn::BayesianLinear(nn::BayesianLinearOptions(3, 8)), torch::nn::Tanh(),
                               torch::nn::BatchNorm1d(8), nn::BayesianLinear(nn::BayesianLinearOptions(8, 2)));
}

// What a served network computes: posterior means, and the spread of 200 sampled networks.
std::pair<torch::Tensor, torch::Tensor> predict(torch::nn::Sequential& net, const torch::Tensor& x) {
  torch::NoGradGuard g;
  net->eval();
  nn::set_weight_mode(*net, nn::WeightMode::mean);
  auto mean_net = net->forward(x);
  nn::set_weight_mode(*net, nn::WeightMode::posterior);
  std::vector<torch::Tensor> ys;
  for (int i = 0; i < 200; ++i) ys.push_back(net->forward(x));
  return {mean_net, nn::predictive_moments(torch::stack(ys)).std};
}

std::string temp_path(const char* name) {
  return std::string("/tmp/pplx_test_nn_") + name + "_" + std::to_string(getpid());
}

}  // namespace

TEST_CASE("save_posterior / load_posterior round trip, and a clear error for another network") {
  torch::manual_seed(0);
  auto net = make_net();
  {
    // Something other than the initial values: moved means, scales and batch norm statistics.
    torch::NoGradGuard g;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.3);
    net->forward(torch::randn({16, 3}) * 2);
  }
  const std::string path = temp_path("roundtrip");
  nn::save_posterior(path, "net", *net);
  // The file describes distributions by site: loc and scale = softplus(rho).
  auto records = pplx::io::read_archive(path, "posterior");
  bool found = false;
  for (const auto& r : records) {
    if (r.name != "net.0.weight.scale") continue;
    found = true;
    auto layer = std::dynamic_pointer_cast<nn::BayesianLinearImpl>(net->ptr(0));
    CHECK(torch::allclose(r.tensor, torch::softplus(layer->weight_rho)));
  }
  CHECK(found);
  torch::manual_seed(99);
  auto other = make_net();  // different initial values
  nn::load_posterior(path, "net", *other);
  auto a = net->named_parameters(), b = other->named_parameters();
  for (const auto& p : a) CHECK(torch::allclose(p.value(), b[p.key()], 1e-5, 1e-6));
  CHECK(torch::equal(net->named_buffers()["2.running_mean"], other->named_buffers()["2.running_mean"]));

  auto wrong = torch::nn::Sequential(nn::BayesianLinear(nn::BayesianLinearOptions(3, 5)), torch::nn::Tanh());
  try {
    nn::load_posterior(path, "net", *wrong);
    FAIL("expected IOError");
  } catch (const pplx::IOError& e) {
    std::string what = e.what();
    CHECK(what.find("net.0.weight.loc (file [8, 3], module [5, 3])") != std::string::npos);
    CHECK(what.find("In the file but not in the network") != std::string::npos);
  }
  std::remove(path.c_str());
}

// The second half of the next test, run in a child process: loads the file named by
// PPLX_NN_CHILD_IN, predicts, and writes the predictions to PPLX_NN_CHILD_OUT. A no-op otherwise.
TEST_CASE("posterior child process (helper of the next test)") {
  const char* in = std::getenv("PPLX_NN_CHILD_IN");
  const char* out = std::getenv("PPLX_NN_CHILD_OUT");
  if (!in || !out) return;
  torch::manual_seed(12345);
  auto net = make_net();
  nn::load_posterior(in, "net", *net);
  torch::manual_seed(7);
  auto x = torch::linspace(-2, 2, 30).view({10, 3});
  auto [mean, std] = predict(net, x);
  pplx::io::write_archive(out, "predictions", {{"mean", "", mean}, {"std", "", std}});
}

TEST_CASE("a posterior saved here predicts identically when loaded in a separate process") {
  torch::manual_seed(1);
  auto net = make_net();
  {
    torch::NoGradGuard g;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.3);
    net->forward(torch::randn({16, 3}));
  }
  const std::string in = temp_path("posterior"), out = temp_path("predictions");
  nn::save_posterior(in, "net", *net);
  torch::manual_seed(7);
  auto x = torch::linspace(-2, 2, 30).view({10, 3});
  auto [mean, std] = predict(net, x);
  const std::string cmd = "PPLX_NN_CHILD_IN='" + in + "' PPLX_NN_CHILD_OUT='" + out +
                          "' /proc/self/exe --test-case='posterior child process*' --no-intro=true >/dev/null 2>&1";
  // /proc/self/exe inside system() is the shell; resolve this executable's path first.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  REQUIRE(n > 0);
  self[n] = '\0';
  std::string command = cmd;
  command.replace(command.find("/proc/self/exe"), 14, std::string("'") + self + "'");
  REQUIRE(std::system(command.c_str()) == 0);
  auto records = pplx::io::read_archive(out, "predictions");
  REQUIRE(records.size() == 2);
  CHECK(torch::allclose(records[0].tensor, mean, 1e-5, 1e-6));
  // Same seed, same posterior: the sampled networks agree too (up to rho's float round trip).
  CHECK(torch::allclose(records[1].tensor, std, 1e-3, 1e-5));
  std::remove(in.c_str());
  std::remove(out.c_str());
}
