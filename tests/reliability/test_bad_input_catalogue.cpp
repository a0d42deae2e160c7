// SPDX-License-Identifier: Apache-2.0
// The bad-input catalogue (issue #7): every way a user commonly gets a model, guide, parameter or
// file wrong, and the error pplx must give for it. Each case asserts the error type and that the
// message names the site (where there is one), the shapes or values involved, and the likely fix.
// The README's "Errors" table lists the same cases.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <pplx/infer/infer.h>
#include <pplx/optim/optim.h>
#include <pplx/pplx.h>

#include "reliability/error_matchers.h"

namespace dist = pplx::distributions;
namespace h = pplx::handlers;
using pplx_test::expect_error;

namespace {

// A file path private to this process (ctest may run test cases in parallel processes).
std::string temp_path(const std::string& stem) {
  return (std::filesystem::temp_directory_path() / (stem + "." + std::to_string(::getpid()) + ".pplx")).string();
}

std::vector<char> read_file_chars(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file_chars(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Saves a small valid store ("w": [3], "s": positive scalar) to `path`.
void save_small_store(const std::string& path) {
  pplx::ParamStore store;
  pplx::ParamStoreScope use(store);
  pplx::param("w", torch::arange(3, torch::kFloat));
  pplx::param("s", torch::full({}, 2.0), pplx::constraints::positive);
  store.save(path);
}

}  // namespace

// --- distribution parameters ---------------------------------------------------------------------

TEST_CASE("catalogue: distribution parameter outside its constraint (negative scale)") {
  expect_error<pplx::ValueError>(
      [] {
        dist::Normal(torch::zeros({3}), torch::tensor({1.0, -1.0, 2.0}));
      },
      {"Normal", "parameter 'scale'", "[3]", "positive", "1 of 3", "-1"});
}

TEST_CASE("catalogue: NaN distribution parameter") {
  expect_error<pplx::ValueError>([] { dist::Normal(std::nan(""), 1.0); }, {"Normal", "parameter 'loc'", "real", "nan"});
}

TEST_CASE("catalogue: distribution parameters whose shapes do not broadcast") {
  expect_error<pplx::ShapeError>([] { dist::Normal(torch::zeros({3}), torch::ones({2})); },
                                 {"Normal", "do not broadcast", "loc=[3]", "scale=[2]"});
}

TEST_CASE("catalogue: a probability outside [0, 1]") {
  expect_error<pplx::ValueError>(
      [] {
        dist::Bernoulli(torch::tensor({0.5, 1.5}));
      },
      {"Bernoulli", "'probs'", "[2]", "1.5"});
}

TEST_CASE("catalogue: category probabilities that are not a simplex (a negative entry)") {
  expect_error<pplx::ValueError>(
      [] {
        dist::Categorical(torch::tensor({0.5, -0.25, 0.75}));
      },
      {"Categorical", "'probs'", "[3]", "simplex"});
}

TEST_CASE("catalogue: to_event with more dims than the batch has") {
  expect_error<pplx::ShapeError>(
      [] { dist::Normal(torch::zeros({3}), 1.0).to_event(2); },
      {"to_event(2)", "Normal", "batch_shape [3]", "at most 1", "inside a plate or expand()"});
}

TEST_CASE("catalogue: mask of a non-bool dtype") {
  expect_error<pplx::ValueError>([] { dist::Normal(torch::zeros({3}), 1.0).mask(torch::ones({3})); },
                                 {"Normal.mask()", "bool tensor", "Float"});
  expect_error<pplx::ValueError>([] { h::mask(torch::ones({3}, torch::kLong)); },
                                 {"handlers::mask", "bool tensor", "Long"});
}

TEST_CASE("catalogue: tensors on two devices in one distribution") {
  if (!torch::cuda::is_available()) {
    MESSAGE("skipped: no CUDA device (the CPU-side dtype mismatches are separate cases)");
    return;
  }
  expect_error<pplx::ValueError>([] { dist::Normal(torch::zeros({2}, torch::kCUDA), torch::ones({2})); },
                                 {"Normal", "different devices", "cuda", "cpu", "move them to one device"});
}

// --- sample sites --------------------------------------------------------------------------------

TEST_CASE("catalogue: observed value of the wrong shape") {
  auto model = [](const torch::Tensor& x) {
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(0.0, 1.0), x);
  };
  expect_error<pplx::ShapeError>([&] { h::trace(model).get_trace(torch::zeros({4})); },
                                 {"sample site 'x'", "observed value of shape [4]", "batch_shape [5]",
                                  "data(size 5, dim -1)", "Check the data's shape"});
}

TEST_CASE("catalogue: conditioned value of the wrong shape") {
  auto model = [] { pplx::sample("z", dist::Normal(torch::zeros({3}), 1.0).to_event(1)); };
  auto conditioned = h::condition(model, {{"z", torch::zeros({2})}});
  expect_error<pplx::ShapeError>([&] { h::trace(conditioned).get_trace(); },
                                 {"sample site 'z'", "[2]", "event_shape [3]", "to_event()"});
}

TEST_CASE("catalogue: float labels observed by a Categorical") {
  auto model = [](const torch::Tensor& y) {
    pplx::plate data("data", y.size(0));
    pplx::sample("y", dist::Categorical::with_logits(torch::zeros({3})), y);
  };
  auto tr = h::trace(model).get_trace(torch::tensor({0.0, 2.0, 1.0}));
  expect_error<pplx::ValueError>([&] { tr.log_prob_sum(); }, {"sample site 'y'", "Categorical", "integer dtype",
                                                              "Float", "[3]", ".to(torch::kLong)"});
}

TEST_CASE("catalogue: observed data outside the support (NaN in the data)") {
  auto model = [](const torch::Tensor& x) {
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(0.0, 1.0), x);
  };
  auto tr = h::trace(model).get_trace(torch::tensor({0.5, std::nan(""), 1.0}));
  expect_error<pplx::ValueError>([&] { tr.log_prob_sum(); },
                                 {"sample site 'x'", "value shape [3]", "outside the support real", "1 of 3", "nan"});
}

TEST_CASE("catalogue: null distribution at a sample site") {
  expect_error<pplx::ValueError>([] { pplx::sample("z", dist::DistPtr()); }, {"sample site 'z'", "null"});
}

TEST_CASE("catalogue: duplicate sample site names") {
  auto model = [] {
    for (int i = 0; i < 2; ++i) pplx::sample("z", dist::Normal(0.0, 1.0));
  };
  expect_error<pplx::SiteError>([&] { h::trace(model).get_trace(); },
                                {"multiple sample sites named 'z'", "unique name", "std::to_string(i)"});
}

TEST_CASE("catalogue: one name used for a param and a sample site") {
  pplx::clear_param_store();
  auto model = [] {
    pplx::param("z", torch::zeros({}));
    pplx::sample("z", dist::Normal(0.0, 1.0));
  };
  expect_error<pplx::SiteError>([&] { h::trace(model).get_trace(); },
                                {"site 'z'", "param site and as a sample site", "distinct names"});
}

TEST_CASE("catalogue: a latent site of the model missing from the guide") {
  auto model = [] {
    pplx::sample("a", dist::Normal(0.0, 1.0));
    pplx::sample("b", dist::Normal(0.0, 1.0));
  };
  auto guide = [] { pplx::sample("a", dist::Normal(0.0, 1.0)); };
  auto guide_tr = h::trace(guide).get_trace();
  expect_error<pplx::SiteError>([&] { h::trace(h::replay(model, guide_tr)).get_trace(); },
                                {"latent sample site 'b'", "not in the trace being replayed", "sites are: a",
                                 "add pplx::sample(\"b\", ...) to the guide"});
}

TEST_CASE("catalogue: a site latent in the model but observed in the guide") {
  auto model = [] { pplx::sample("a", dist::Normal(0.0, 1.0)); };
  auto guide = [] { pplx::sample("a", dist::Normal(0.0, 1.0), torch::zeros({})); };
  auto guide_tr = h::trace(guide).get_trace();
  expect_error<pplx::SiteError>([&] { h::trace(h::replay(model, guide_tr)).get_trace(); },
                                {"site 'a'", "latent in the model but observed"});
}

TEST_CASE("catalogue: asking a trace for a site it does not have") {
  auto tr = h::trace([] { pplx::sample("z", dist::Normal(0.0, 1.0)); }).get_trace();
  expect_error<pplx::SiteError>([&] { tr.at("q"); }, {"no site 'q'", "its sites are: z"});
}

// --- plates --------------------------------------------------------------------------------------

TEST_CASE("catalogue: a plate name reused with a different size") {
  auto model = [] {
    {
      pplx::plate data("data", 10);
      pplx::sample("x", dist::Normal(0.0, 1.0));
    }
    {
      pplx::plate data("data", 5);
      pplx::sample("y", dist::Normal(0.0, 1.0));
    }
  };
  expect_error<pplx::ShapeError>([&] { h::trace(model).get_trace(); },
                                 {"plate 'data'", "different size", "first 10, now 5", "rename"});
}

TEST_CASE("catalogue: nested plates with the same name") {
  expect_error<pplx::ValueError>(
      [] {
        pplx::plate outer("data", 3);
        pplx::plate inner("data", 4);
      },
      {"plate 'data'", "already active", "distinct names"});
}

TEST_CASE("catalogue: a subsample larger than the plate") {
  expect_error<pplx::ValueError>([] { pplx::plate data("data", 10, pplx::PlateOptions().subsample_size(20)); },
                                 {"plate 'data'", "subsample_size 20", "size=10", "minibatch"});
}

TEST_CASE("catalogue: a plate of size zero") {
  expect_error<pplx::ValueError>([] { pplx::plate data("data", 0); }, {"plate 'data'", "size must be positive", "0"});
}

TEST_CASE("catalogue: a plate given a non-negative dim") {
  expect_error<pplx::ValueError>([] { pplx::plate data("data", 3, pplx::PlateOptions().dim(0)); },
                                 {"plate 'data'", "dim must be negative", "got 0"});
}

TEST_CASE("catalogue: two nested plates on the same dim") {
  expect_error<pplx::ValueError>(
      [] {
        pplx::plate a("a", 3, pplx::PlateOptions().dim(-1));
        pplx::plate b("b", 4, pplx::PlateOptions().dim(-1));
      },
      {"plate 'b'", "dim -1", "already used by enclosing plate 'a'"});
}

TEST_CASE("catalogue: a site's batch shape conflicts with its plate") {
  auto model = [] {
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(torch::zeros({3}), 1.0));
  };
  expect_error<pplx::ShapeError>([&] { h::trace(model).get_trace(); },
                                 {"sample site 'x' inside plate 'data'", "batch_shape [3]", "plate has size 5",
                                  "Make that dim 1 or the plate size"});
}

TEST_CASE("catalogue: plate subsample indices of a floating dtype") {
  expect_error<pplx::ValueError>(
      [] {
        pplx::plate data("data", 10, pplx::PlateOptions().subsample(torch::tensor({1.0, 2.0})));
      },
      {"plate 'data'", "integer (int64)", "Float", "torch::kLong"});
}

TEST_CASE("catalogue: plate subsample indices out of range") {
  expect_error<pplx::ValueError>(
      [] {
        pplx::plate data("data", 10, pplx::PlateOptions().subsample(torch::tensor({3, 12})));
      },
      {"plate 'data'", "[0, 10)", "[3, 12]"});
}

// --- params --------------------------------------------------------------------------------------

TEST_CASE("catalogue: a param whose initial value violates its constraint") {
  pplx::clear_param_store();
  expect_error<pplx::ValueError>(
      [] {
        pplx::param("scale", torch::tensor({1.0, 0.0}), pplx::constraints::positive);
      },
      {"param 'scale'", "[2]", "violates its constraint positive", "1 of 2", "init inside the constraint"});
  CHECK_FALSE(pplx::get_param_store().contains("scale"));
}

TEST_CASE("catalogue: NaN in a param's initial value") {
  pplx::clear_param_store();
  expect_error<pplx::ValueError>(
      [] {
        pplx::param("loc", torch::tensor({0.0, std::nan(""), 1.0}));
      },
      {"param 'loc'", "[3]", "NaN or Inf", "1 of 3", "check the initializer"});
  CHECK_FALSE(pplx::get_param_store().contains("loc"));
}

TEST_CASE("catalogue: a param initialised with an integer tensor") {
  pplx::clear_param_store();
  expect_error<pplx::ValueError>([] { pplx::param("w", torch::arange(3)); },
                                 {"param 'w'", "floating-point", "Long", "[3]", "torch::kFloat"});
}

TEST_CASE("catalogue: a param read before it exists, without an initial value") {
  pplx::clear_param_store();
  expect_error<pplx::SiteError>([] { pplx::param("w"); }, {"param 'w'", "does not exist", "pass an init"});
}

TEST_CASE("catalogue: a random_module prior for a parameter that does not exist") {
  torch::nn::Linear net(2, 1);
  std::map<std::string, dist::DistPtr> priors{{"weight", dist::Normal(0.0, 1.0).clone()},
                                              {"bais", dist::Normal(0.0, 1.0).clone()}};
  expect_error<pplx::ValueError>(
      [&] { pplx::random_module("net", net, priors); },
      {"random_module 'net'", "prior given for 'bais'", "not a parameter", "its parameters are: weight, bias"});
}

TEST_CASE("catalogue: a random_module prior of the wrong shape") {
  torch::nn::Linear net(2, 1);
  std::map<std::string, dist::DistPtr> priors{{"weight", dist::Normal(torch::zeros({3}), 1.0).to_event(1)}};
  expect_error<pplx::ShapeError>([&] { pplx::random_module("net", net, priors); },
                                 {"random_module 'net'", "'weight'", "[3]", "[1, 2]"});
}

// --- handlers ------------------------------------------------------------------------------------

TEST_CASE("catalogue: a non-positive scale") {
  expect_error<pplx::ValueError>([] { h::scale(-0.5); }, {"handlers::scale", "positive", "-0.5"});
}

TEST_CASE("catalogue: a site both hidden and exposed by block") {
  expect_error<pplx::ValueError>([] { h::block(h::BlockOptions().hide({"z"}).expose({"z"})); },
                                 {"handlers::block", "'z'", "both hidden and exposed"});
}

TEST_CASE("catalogue: handler scopes ended out of order (corrupt stack)") {
  auto outer = std::make_unique<h::TraceMessenger>();
  auto inner = std::make_unique<h::ScaleMessenger>(2.0);
  outer.reset();  // wrong order: the inner scope is still active
  expect_error<pplx::Error>(
      [] { pplx::sample("z", dist::Normal(0.0, 1.0)); },
      {"corrupt handler stack", "sample site 'z'", "'trace'", "'scale'", "pplx::reset_handler_stack()"});
  inner.reset();
  pplx::reset_handler_stack();
}

// --- parameter files -----------------------------------------------------------------------------

TEST_CASE("catalogue: loading a missing parameter file") {
  pplx::ParamStore store;
  const std::string path = temp_path("pplx_missing_file_never_written");
  expect_error<pplx::IOError>([&] { store.load(path); }, {"cannot open", path.c_str(), "No such file"});
}

TEST_CASE("catalogue: loading a truncated parameter file") {
  const std::string path = temp_path("pplx_truncated");
  save_small_store(path);
  auto bytes = read_file_chars(path);
  bytes.resize(bytes.size() - 7);
  write_file_chars(path, bytes);
  pplx::ParamStore store;
  expect_error<pplx::IOError>([&] { store.load(path); }, {path.c_str(), "truncated"});
  std::remove(path.c_str());
}

TEST_CASE("catalogue: loading a corrupted parameter file (one flipped byte)") {
  const std::string path = temp_path("pplx_flipped");
  save_small_store(path);
  auto bytes = read_file_chars(path);
  bytes[bytes.size() - 10] ^= 0x10;  // inside the last tensor's data
  write_file_chars(path, bytes);
  pplx::ParamStore store;
  expect_error<pplx::IOError>([&] { store.load(path); }, {path.c_str(), "corrupt", "checksum mismatch"});
  std::remove(path.c_str());
}

TEST_CASE("catalogue: loading a parameter file of a newer format version") {
  const std::string path = temp_path("pplx_newer");
  save_small_store(path);
  auto bytes = read_file_chars(path);
  bytes[8] = static_cast<char>(pplx::io::kArchiveVersion + 1);  // u32 version follows the 8 magic bytes
  write_file_chars(path, bytes);
  pplx::ParamStore store;
  expect_error<pplx::IOError>([&] { store.load(path); }, {path.c_str(), "format version 2", "newer", "upgrade pplx"});
  std::remove(path.c_str());
}

TEST_CASE("catalogue: loading a file of another kind as parameters") {
  const std::string path = temp_path("pplx_kind");
  pplx::io::write_archive(path, "optim", {{"w", "", torch::zeros({2})}});
  pplx::ParamStore store;
  expect_error<pplx::IOError>([&] { store.load(path); }, {path.c_str(), "holds 'optim' data", "expected 'params'"});
  std::remove(path.c_str());
}

TEST_CASE("catalogue: loading a file that is not a pplx archive") {
  const std::string path = temp_path("pplx_garbage");
  write_file_chars(path, std::vector<char>{'{', '"', 'w', '"', ':', ' ', '1', '}', '\n', ' ', ' ', ' '});
  pplx::ParamStore store;
  expect_error<pplx::IOError>([&] { store.load(path); }, {path.c_str(), "not a pplx archive"});
  std::remove(path.c_str());
}

TEST_CASE("catalogue: loaded parameters whose shapes differ from the model's") {
  const std::string path = temp_path("pplx_shape_mismatch");
  save_small_store(path);  // "w" has shape [3]
  pplx::ParamStore store;
  pplx::ParamStoreScope use(store);
  store.load(path);
  auto model = [] { return pplx::param("w", torch::zeros({4})); };  // the model now has 4 weights
  expect_error<pplx::ShapeError>([&] { model(); }, {"param 'w'", "holds a value of shape [3]",
                                                    "initial value has shape [4]", "clear_param_store()"});
  // A matching init is accepted and does not overwrite the loaded value.
  CHECK(torch::equal(pplx::param("w", torch::zeros({3})), torch::arange(3, torch::kFloat)));
  std::remove(path.c_str());
}

// --- inference and optimizers --------------------------------------------------------------------

namespace {
// A conjugate Normal model with a matching guide; `extra_guide_site` adds a site the model lacks.
struct NormalFit {
  bool extra_guide_site = false;
  void model(const torch::Tensor& x) const {
    auto loc = pplx::sample("loc", dist::Normal(0.0, 1.0));
    pplx::plate data("data", x.size(0));
    pplx::sample("x", dist::Normal(loc, 1.0), x);
  }
  void guide(const torch::Tensor&) const {
    auto m = pplx::param("m", torch::zeros({}));
    pplx::sample("loc", dist::Normal(m, 1.0));
    if (extra_guide_site) pplx::sample("scale", dist::Normal(0.0, 1.0));
  }
};
}  // namespace

TEST_CASE("catalogue: a guide site absent from the model") {
  pplx::clear_param_store();
  NormalFit f;
  f.extra_guide_site = true;
  auto model = [&](const torch::Tensor& x) { f.model(x); };
  auto guide = [&](const torch::Tensor& x) { f.guide(x); };
  expect_error<pplx::SiteError>([&] { pplx::infer::TraceELBO().differentiable_loss(model, guide, torch::zeros({3})); },
                                {"guide samples latent site 'scale'", "Normal", "model has no sample site",
                                 "model sites: loc, data, x", "Rename the guide's site"});
}

TEST_CASE("catalogue: a latent model site missing from the guide, through SVI") {
  pplx::clear_param_store();
  auto model = [](const torch::Tensor& x) {
    pplx::sample("loc", dist::Normal(0.0, 1.0));
    pplx::sample("noise", dist::Normal(0.0, 1.0));
  };
  auto guide = [](const torch::Tensor&) { pplx::sample("loc", dist::Normal(pplx::param("m", torch::zeros({})), 1.0)); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
  expect_error<pplx::SiteError>([&] { svi.step(torch::zeros({3})); },
                                {"latent sample site 'noise'", "add pplx::sample(\"noise\", ...) to the guide"});
}

TEST_CASE("catalogue: num_particles = 0") {
  expect_error<pplx::ValueError>([] { pplx::infer::TraceELBO(pplx::infer::TraceELBOOptions().num_particles(0)); },
                                 {"num_particles must be >= 1", "got 0"});
}

TEST_CASE("catalogue: a negative clip_norm") {
  expect_error<pplx::ValueError>(
      [] { pplx::optim::Adam(torch::optim::AdamOptions(0.01), pplx::optim::ClipOptions().clip_norm(-1.0)); },
      {"Adam", "clip_norm must be >= 0", "got -1"});
}

TEST_CASE("catalogue: an invalid learning rate") {
  expect_error<pplx::ValueError>([] { pplx::optim::Adam(torch::optim::AdamOptions(-0.01)); }, {"Adam", "-0.01"});
}

TEST_CASE("catalogue: an optimizer step with no parameters") {
  pplx::optim::Adam adam(torch::optim::AdamOptions(0.01));
  expect_error<pplx::Error>([&] { adam.step(pplx::NamedTensors()); }, {"Adam", "no parameters to update"});
}

TEST_CASE("catalogue: SVI on a model and guide without params") {
  pplx::clear_param_store();
  auto model = [] { pplx::sample("z", dist::Normal(0.0, 1.0)); };
  auto guide = [] { pplx::sample("z", dist::Normal(0.0, 1.0)); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
  expect_error<pplx::Error>([&] { svi.step(); }, {"SVI.step", "no pplx::param sites", "nothing to optimize"});
}

TEST_CASE("catalogue: a NaN loss in SVI names the site") {
  pplx::clear_param_store();
  NormalFit f;
  auto model = [&](const torch::Tensor& x) { f.model(x); };
  auto guide = [&](const torch::Tensor& x) { f.guide(x); };
  pplx::infer::SVI svi(model, guide, pplx::optim::Adam(torch::optim::AdamOptions(0.01)), pplx::infer::TraceELBO());
  const auto x = torch::tensor({0.0f, std::numeric_limits<float>::infinity(), 1.0f});  // inf is "real"
  expect_error<pplx::infer::NonFiniteLossError>([&] { svi.step(x); }, {"SVI.step", "site 'x'", "skip_non_finite"});
  CHECK(pplx::get_param_store().get("m").item<double>() == 0.0);  // the bad step changed nothing
}

// --- model and guide shapes (Pyro's check_model_guide_match / check_site_shape) ------------------

TEST_CASE("catalogue: a latent site whose event dims differ between model and guide") {
  auto model = [] { pplx::sample("w", dist::Normal(torch::zeros({2}), 1.0).to_event(1)); };
  auto guide = [] { pplx::sample("w", dist::Normal(torch::zeros({2, 1}), 1.0)); };
  expect_error<pplx::ShapeError>([&] { pplx::infer::TraceELBO().loss(model, guide); },
                                 {"latent site 'w'", "event_dim 1", "event_dim 0", "batch_shape [2, 1]", "to_event"});
}

TEST_CASE("catalogue: a latent site whose shapes differ between model and guide") {
  auto model = [] { pplx::sample("w", dist::Normal(torch::zeros({2, 1}), 1.0).to_event(2)); };
  auto guide = [] { pplx::sample("w", dist::Normal(torch::zeros({1, 2}), 1.0).to_event(2)); };
  expect_error<pplx::ShapeError>(
      [&] { pplx::infer::TraceELBO().loss(model, guide); },
      {"shapes disagree at latent site 'w'", "model [2, 1] vs guide [1, 2]", "size 1 vs 2 at dim -1", "same plates"});
}

TEST_CASE("catalogue: a batch dim that no plate declares") {
  auto model = [] {
    pplx::plate data("data", 5);
    pplx::sample("x", dist::Normal(torch::zeros({5, 1}), 1.0), torch::zeros({5}));
  };
  expect_error<pplx::ShapeError>(
      [&] { pplx::infer::TraceELBO().loss(model, [] {}); },
      {"sample site 'x' (model)", "batch shape [5, 5]", "size 5 at dim -2", "no enclosing plate declares",
       "data(size 5, dim -1)", "plate at dim -2", ".to_event()"});
}

TEST_CASE("catalogue: a plate in the guide that the model lacks") {
  auto model = [] { pplx::sample("x", dist::Normal(0.0, 1.0)); };
  auto guide = [] {
    { pplx::plate batch("batch", 10); }
    pplx::sample("x", dist::Normal(0.0, 1.0));
  };
  expect_error<pplx::SiteError>(
      [&] { pplx::infer::TraceELBO().loss(model, guide); },
      {"plate 'batch'", "(size 10", "model has no plate of that name", "model plates: none", "add it to the model"});
}

TEST_CASE("catalogue: a value whose event shape does not match to_event's") {
  expect_error<pplx::ShapeError>(
      [] {
        dist::Normal(torch::zeros({2}), 1.0).to_event(1)->log_prob(torch::zeros({2, 1}));
      },
      {"Independent", "value [2, 1]", "event_shape [2]"});
}

TEST_CASE("catalogue: with_rsample(true) on a distribution without rsample") {
  expect_error<pplx::NotImplementedError>([] { dist::Bernoulli(0.5).with_rsample(true); },
                                          {"with_rsample(true)", "Bernoulli", "no reparameterized sampler"});
}

// --- autoguides --------------------------------------------------------------------------------

TEST_CASE("catalogue: an autoguide for a model without latent sites") {
  pplx::clear_param_store();
  auto model = [] { pplx::sample("y", dist::Normal(0.0, 1.0), torch::tensor(0.5)); };
  auto guide = pplx::infer::autoguide::AutoNormal(model);
  expect_error<pplx::ValueError>([&] { pplx::infer::TraceELBO().loss(model, guide); },
                                 {"AutoNormal", "no latent sample sites", "nothing to guide", "Sites traced: y"});
}

TEST_CASE("catalogue: an autoguide for a discrete latent") {
  pplx::clear_param_store();
  auto model = [] { pplx::sample("z", dist::Bernoulli(0.3)); };
  auto guide = pplx::infer::autoguide::AutoNormal(model);
  expect_error<pplx::ValueError>([&] { pplx::infer::TraceELBO().loss(model, guide); },
                                 {"AutoNormal", "'z'", "Bernoulli", "continuous latents", "enumerate it by hand"});
}

TEST_CASE("catalogue: an autoguide rank of 0 or above the latent dimension") {
  pplx::clear_param_store();
  namespace ag = pplx::infer::autoguide;
  auto model = [] { pplx::sample("w", dist::Normal(torch::zeros({3}), 1.0).to_event(1)); };
  expect_error<pplx::ValueError>(
      [&] { ag::AutoLowRankMultivariateNormal(model, ag::AutoLowRankMultivariateNormalOptions().rank(0)); },
      {"AutoLowRankMultivariateNormal", "rank must be >= 1", "got 0"});
  auto guide = ag::AutoLowRankMultivariateNormal(model, ag::AutoLowRankMultivariateNormalOptions().rank(4));
  expect_error<pplx::ValueError>([&] { pplx::infer::TraceELBO().loss(model, guide); },
                                 {"rank 4", "larger than the latent dimension 3", "AutoMultivariateNormal"});
}

TEST_CASE("catalogue: an autoguide whose model's latent structure changes between calls") {
  pplx::clear_param_store();
  auto model = [](int64_t n) { pplx::sample("w", dist::Normal(torch::zeros({n}), 1.0).to_event(1)); };
  auto guide = pplx::infer::autoguide::AutoNormal(model);
  pplx::infer::TraceELBO elbo;
  elbo.loss(model, guide, int64_t{2});
  expect_error<pplx::ShapeError>([&] { elbo.loss(model, guide, int64_t{5}); },
                                 {"AutoNormal", "latent structure changed between calls", "'w'", "[2]"});
}
