// SPDX-License-Identifier: Apache-2.0
// The C++ snippets of README.md, compiled and run. Each ```cpp block of the README appears below,
// in order, between "README snippet" markers (its #include lines at the top of this file); the
// first test fails when the two drift apart, the others check that the snippets do what the
// README says.
#include <doctest/doctest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <pplx/pplx.h>

namespace readme_snippets {

namespace dist = pplx::distributions;

using Lines = std::vector<std::string>;

Lines read_lines(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path);
  Lines lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The ```cpp blocks of the README, #include lines left out (they are returned in `includes`).
std::vector<Lines> readme_blocks(Lines& includes) {
  std::vector<Lines> blocks;
  bool inside = false;
  for (const auto& line : read_lines(std::string(PPLX_SOURCE_DIR) + "/README.md")) {
    if (!inside && line == "```cpp") {
      inside = true;
      blocks.emplace_back();
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside && starts_with(line, "#include")) {
      includes.push_back(line);
    } else if (inside) {
      blocks.back().push_back(line);
    }
  }
  return blocks;
}

// The marked blocks of this file.
std::vector<Lines> marked_blocks(const Lines& source) {
  std::vector<Lines> blocks;
  bool inside = false;
  for (const auto& line : source) {
    if (line == "// README snippet begin") {
      inside = true;
      blocks.emplace_back();
    } else if (line == "// README snippet end") {
      inside = false;
    } else if (inside) {
      blocks.back().push_back(line);
    }
  }
  return blocks;
}

// Data for the snippets: y = x w + b + noise with w = (1, -2, 0.5), b = 0.3, noise sd 0.5.
struct RegressionData {
  torch::Tensor x, y;
};
RegressionData regression_data(int64_t n, int64_t d) {
  torch::manual_seed(0);
  auto x = torch::randn({n, d});
  auto w = torch::zeros({d});
  w.narrow(0, 0, 3).copy_(torch::tensor({1.0, -2.0, 0.5}));
  return {x, x.matmul(w) + 0.3 + 0.5 * torch::randn({n})};
}

}  // namespace readme_snippets

using namespace readme_snippets;

TEST_CASE("README: every cpp snippet of README.md is compiled here, verbatim and in order") {
  Lines includes;
  auto readme = readme_blocks(includes);
  auto source = read_lines(__FILE__);
  auto here = marked_blocks(source);
  REQUIRE(readme.size() >= 3);
  REQUIRE(here.size() == readme.size());
  for (size_t i = 0; i < readme.size(); ++i) {
    INFO("README cpp block ", i + 1, " differs from the marked block ", i + 1, " of ", __FILE__);
    CHECK(here[i] == readme[i]);
  }
  for (const auto& inc : includes) {
    INFO("README's '", inc, "' is not included here");
    CHECK(std::find(source.begin(), source.end(), inc) != source.end());
  }
}

TEST_CASE("README: the model, guide and SVI snippet fits the regression, the handler snippet traces it") {
  pplx::clear_param_store();
  auto data = regression_data(200, 3);
  const auto& x = data.x;
  const auto& y = data.y;
  std::ostringstream printed;
  auto* old = std::cout.rdbuf(printed.rdbuf());
  // clang-format off
// README snippet begin
namespace dist = pplx::distributions;

auto model = [](const torch::Tensor& x, const torch::Tensor& y) {
  auto w = pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1));
  auto b = pplx::sample("b", dist::Normal(0.0, 1.0));
  pplx::plate data("data", x.size(0));                          // RAII: active until end of scope
  pplx::sample("y", dist::Normal(x.matmul(w) + b, 0.5), y);     // observed
};
auto guide = [](const torch::Tensor& x, const torch::Tensor& y) {
  auto w_loc = pplx::param("w_loc", torch::zeros({3}));
  auto w_scale = pplx::param("w_scale", torch::full({3}, 0.1), pplx::constraints::positive);
  pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
  auto b_loc = pplx::param("b_loc", torch::zeros({}));
  pplx::sample("b", dist::Normal(b_loc, 0.1));
};
pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
for (int step = 0; step < 2000; ++step) {
  double loss = svi.step(x, y);
  if (step % 200 == 0) std::cout << step << " " << loss << "\n";
}
// README snippet end
// README snippet begin
auto auto_guide = pplx::infer::autoguide::AutoNormal(model);   // instead of `guide`: w and b, mean field
// README snippet end
// README snippet begin
namespace h = pplx::handlers;
pplx::Trace guide_tr = h::trace(guide).get_trace(x, y);
pplx::Trace model_tr = h::trace(h::replay(model, guide_tr)).get_trace(x, y);
torch::Tensor elbo = model_tr.log_prob_sum() - guide_tr.log_prob_sum();
{
  auto seeded = h::seed(42);                       // own generator: reproducible, thread-independent
  auto tr = h::trace();
  model(x, y);
  for (const pplx::Site& site : tr.get_trace()) std::cout << site.name << '\n';
}
// README snippet end
  // clang-format on
  std::cout.rdbuf(old);
  // The posterior mean of w is within 0.15 of the truth (its posterior sd is about 0.035).
  auto w_loc = pplx::get_param_store().get("w_loc");
  CHECK(torch::allclose(w_loc, torch::tensor({1.0, -2.0, 0.5}), 0.0, 0.15));
  CHECK(std::abs(pplx::get_param_store().get("b_loc").item<double>() - 0.3) < 0.15);
  CHECK(std::isfinite(elbo.item<double>()));
  CHECK(elbo.item<double>() < 0);
  // 10 progress lines, then the model's sites in order.
  const std::string out = printed.str();
  CHECK(out.find("1800 ") != std::string::npos);
  CHECK(out.find("w\nb\ndata\ny\n") != std::string::npos);
  // The autoguide fits the same posterior means.
  pplx::infer::SVI auto_svi(model, auto_guide, pplx::optim::Adam(torch::optim::AdamOptions(0.05)),
                            pplx::infer::TraceELBO());
  for (int step = 0; step < 500; ++step) auto_svi.step(x, y);
  CHECK(torch::allclose(auto_guide.median().at("w"), torch::tensor({1.0, -2.0, 0.5}), 0.0, 0.15));
  CHECK(pplx::get_param_store().contains("AutoNormal.locs.b"));
}

TEST_CASE("README: the Bayesian-network snippet trains with SVI and predicts with sampled networks") {
  pplx::clear_param_store();
  auto data = regression_data(300, 13);
  // clang-format off
// README snippet begin
namespace nn = pplx::nn;
torch::nn::Sequential net(nn::BayesianLinear(nn::BayesianLinearOptions(13, 50).prior_scale(0.3)),
                          torch::nn::ReLU(), nn::BayesianLinear(nn::BayesianLinearOptions(50, 1)));
auto model = [&](const torch::Tensor& x, const torch::Tensor& y) {
  auto f = net->forward(x).squeeze(-1);          // weights: sample sites drawn from the prior
  pplx::plate data("data", x.size(0));
  pplx::sample("y", dist::Normal(f, 0.5), y);
};
auto guide = [&](const torch::Tensor&, const torch::Tensor&) {
  nn::sample_posterior("net", *net);             // the same sites from N(mu, softplus(rho))
};
// SVI + TraceELBO as above; then predict with sampled or mean networks:
nn::set_weight_mode(*net, nn::WeightMode::posterior);
// README snippet end
  // clang-format on
  nn::set_weight_mode(*net, nn::WeightMode::model);
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    double loss = svi.step(data.x, data.y);
    if (step < 20) first += loss / 20;
    if (step >= 280) last += loss / 20;
  }
  CHECK(last < first);
  torch::NoGradGuard no_grad;
  nn::set_weight_mode(*net, nn::WeightMode::posterior);
  auto a = net->forward(data.x), b = net->forward(data.x);
  CHECK_FALSE(torch::equal(a, b));  // two sampled networks
  nn::set_weight_mode(*net, nn::WeightMode::mean);
  auto m1 = net->forward(data.x), m2 = net->forward(data.x);
  CHECK(torch::equal(m1, m2));  // the mean network is deterministic
  // The mean network fits better than predicting the mean of y.
  auto mse = (m1.squeeze(-1) - data.y).pow(2).mean().item<double>();
  CHECK(mse < data.y.var().item<double>());
}

TEST_CASE("README: the autoguide snippets fit the regression, alone and in an AutoGuideList") {
  pplx::clear_param_store();
  auto data = regression_data(200, 3);
  const auto& x = data.x;
  const auto& y = data.y;
  auto model = [](const torch::Tensor& x, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1));
    auto b = pplx::sample("b", dist::Normal(0.0, 1.0));
    pplx::plate data("data", x.size(0));
    pplx::sample("y", dist::Normal(x.matmul(w) + b, 0.5), y);
  };
  // clang-format off
// README snippet begin
namespace ag = pplx::infer::autoguide;
auto lowrank = ag::AutoLowRankMultivariateNormal(model, ag::AutoLowRankMultivariateNormalOptions().rank(2));
pplx::infer::SVI svi(model, lowrank, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
for (int step = 0; step < 1000; ++step) svi.step(x, y);
pplx::handlers::TensorMap med = lowrank.median(x, y);                     // site -> constrained median
pplx::handlers::TensorMap q = lowrank.quantiles({0.05, 0.5, 0.95}, x, y);  // site -> [3, ...]
// README snippet end
  // clang-format on
  CHECK(torch::allclose(med.at("w"), torch::tensor({1.0, -2.0, 0.5}), 0.0, 0.15));
  CHECK(std::abs(med.at("b").item<double>() - 0.3) < 0.15);
  CHECK(q.at("w").sizes() == torch::IntArrayRef{3, 3});
  CHECK((q.at("w")[2] - q.at("w")[0]).min().item<double>() > 0);
  CHECK(torch::allclose(q.at("w")[1], med.at("w")));
  // clang-format off
// README snippet begin
namespace h = pplx::handlers;
ag::AutoGuideList list(model);
list.append(ag::AutoMultivariateNormal(h::block(model, h::BlockOptions().expose({"w"}))));
list.append([](const torch::Tensor&, const torch::Tensor&) {   // b, guided by hand
  pplx::sample("b", dist::Normal(pplx::param("b_q", torch::zeros({})), 0.1));
});
// README snippet end
  // clang-format on
  auto tr = h::trace(list).get_trace(x, y);
  CHECK(tr.contains("w"));
  CHECK(tr.contains("b"));
  CHECK(pplx::get_param_store().contains("AutoGuideList.0.scale_tril"));
  pplx::infer::SVI list_svi(model, list, pplx::optim::Adam(torch::optim::AdamOptions(0.05)), pplx::infer::TraceELBO());
  for (int step = 0; step < 300; ++step) list_svi.step(x, y);
  CHECK(torch::allclose(list.median(x, y).at("w"), torch::tensor({1.0, -2.0, 0.5}), 0.0, 0.15));
  CHECK(std::abs(pplx::get_param_store().get("b_q").item<double>() - 0.3) < 0.15);
}

TEST_CASE("README: the CUDA graph snippet trains the regression (eagerly, after a warning, without a GPU)") {
  pplx::clear_param_store();
  auto data = regression_data(200, 3);
  const auto& x = data.x;
  const auto& y = data.y;
  auto model = [](const torch::Tensor& x, const torch::Tensor& y) {
    auto w = pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1));
    auto b = pplx::sample("b", dist::Normal(0.0, 1.0));
    pplx::plate data("data", x.size(0));
    pplx::sample("y", dist::Normal(x.matmul(w) + b, 0.5), y);
  };
  auto guide = [](const torch::Tensor&, const torch::Tensor&) {
    auto w_loc = pplx::param("w_loc", torch::zeros({3}));
    auto w_scale = pplx::param("w_scale", torch::full({3}, 0.1), pplx::constraints::positive);
    pplx::sample("w", dist::Normal(w_loc, w_scale).to_event(1));
    pplx::sample("b", dist::Normal(pplx::param("b_loc", torch::zeros({})), 0.1));
  };
  // clang-format off
// README snippet begin
pplx::infer::SVI graphed(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)),
                         pplx::infer::TraceELBO(), pplx::infer::SVIOptions().cuda_graph(true));
for (int step = 0; step < 1000; ++step) graphed.step(x, y);   // x, y on the GPU: one graph launch a step
// README snippet end
  // clang-format on
  CHECK(torch::allclose(pplx::get_param_store().get("w_loc"), torch::tensor({1.0f, -2.0f, 0.5f}), 0.0, 0.2));
  CHECK(graphed.cuda_graph_stats().eager_steps == 1000);  // CPU tensors: no graph
}
