// SPDX-License-Identifier: Apache-2.0
// Port of pyro-ppl/pyro — tests/infer/test_valid_models.py, enumeration excluded: model/guide pairs
// with valid structure (assert_ok: an SVI step runs and loss == differentiable_loss under one seed)
// and invalid structure (assert_error: SVI.step throws, here a pplx::Error subclass named per case).
// Elbo grids are reduced to what pplx has: Trace_ELBO and TraceMeanField_ELBO.
//
// Deliberate differences from Pyro, each checked as pplx behaves:
//  - replay is strict: a model latent the guide lacks is a SiteError (Pyro samples it from the prior
//    and warns); a guide plate the model lacks is a SiteError (Pyro warns; its tests turn warnings
//    into errors).
//  - pplx's SVI refuses a model and guide without params, so assert_ok skips the SVI step there.
//  - pplx has no sequential plate (`for i in pyro.plate(...)`): those tests loop over sites, with
//    handlers::scale standing in for a subsampled sequential plate.
//  - pplx params are not plate-aware (no event_dim, no pyro.subsample): guides subsample params
//    with plate.subsample(); test_plate_param_size_mismatch_error has nothing to check.
//  - pplx's factor behaves as Pyro's factor(..., has_rsample=True): test_factor_in_guide_error
//    (has_rsample unspecified) is accepted.
// Not ported (no pplx counterpart): plates without a size, block_plate, obs_mask, TraceGraph-only,
// tail-adaptive, energy-distance and stable-reparam tests, test_mean_field_warn (no warnings).
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "pyro_parity/parity.h"

namespace dist = pplx::distributions;
namespace h = pplx::handlers;
namespace infer = pplx::infer;
using parity::adam;

namespace {

using Fn = std::function<void()>;

// Pyro's assert_ok.
template <class Elbo>
void assert_ok(const Fn& model, const Fn& guide, Elbo elbo) {
  pplx::clear_param_store();
  elbo.loss(model, guide);  // creates the params, if any
  if (pplx::get_param_store().size() > 0) {
    infer::SVI svi(model, guide, adam(1e-6), elbo);
    svi.step();
  }
  double loss = 0, differentiable_loss = 0;
  {
    auto seeded = h::seed(0);
    loss = elbo.loss(model, guide);
  }
  {
    auto seeded = h::seed(0);
    differentiable_loss = elbo.differentiable_loss(model, guide).template item<double>();
  }
  CHECK(std::isfinite(loss));
  CHECK(std::abs(differentiable_loss - loss) <= 0.01);  // Pyro's atol
}

// Pyro's assert_error: SVI.step throws E, whose message contains `match`.
template <class E, class Elbo>
void assert_error(const Fn& model, const Fn& guide, Elbo elbo, const char* match) {
  pplx::clear_param_store();
  infer::SVI svi(model, guide, adam(1e-6), elbo);
  try {
    svi.step();
    FAIL("expected an error containing \"" << match << "\"");
  } catch (const E& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(match) != std::string::npos);
  }
}

template <class Elbo = infer::TraceELBO>
Elbo elbo_with(infer::ELBOOptions o = {}) {
  return Elbo(o);
}

torch::Tensor half() { return torch::tensor(0.5); }
torch::Tensor p_param() { return pplx::param("p", torch::tensor(0.5)); }

// Pyro's plate_stack(prefix, sizes): nested plates, the last size at dim -1; `fn` runs inside.
void plate_stack(const std::string& prefix, const std::vector<int64_t>& sizes, size_t i, const Fn& fn) {
  if (i == sizes.size()) return fn();
  pplx::plate p(prefix + "_" + std::to_string(i), sizes[i],
                pplx::PlateOptions().dim(-static_cast<int64_t>(sizes.size() - i)));
  plate_stack(prefix, sizes, i + 1, fn);
}

}  // namespace

TEST_CASE("test_nonempty_model_empty_guide_ok") {
  auto model = [] {
    auto loc = torch::tensor({0.0, 0.0});
    pplx::sample("x", dist::Normal(loc, torch::tensor({1.0, 1.0})).to_event(1), loc);
  };
  assert_ok(
      model, [] {}, elbo_with());
}

// Pyro samples x from the prior and warns; pplx's strict replay names the missing site.
TEST_CASE("test_nonempty_model_empty_guide_error") {
  assert_error<pplx::SiteError>([] { pplx::sample("x", dist::Normal(0.0, 1.0)); }, [] {}, elbo_with(),
                                "latent sample site 'x'");
}

TEST_CASE("test_empty_model_empty_guide_ok") {
  assert_ok([] {}, [] {}, elbo_with());
}

TEST_CASE("test_variable_clash_in_model_error") {
  auto model = [] {
    pplx::sample("x", dist::Bernoulli(half()));
    pplx::sample("x", dist::Bernoulli(half()));  // Should error here.
  };
  auto guide = [] { pplx::sample("x", dist::Bernoulli(p_param())); };
  assert_error<pplx::SiteError>(model, guide, elbo_with(), "multiple sample sites named 'x'");
}

TEST_CASE("test_model_guide_dim_mismatch_error") {
  auto model = [] { pplx::sample("x", dist::Normal(torch::zeros({2}), torch::ones({2})).to_event(1)); };
  auto guide = [] {
    auto loc = pplx::param("loc", torch::zeros({2, 1}));
    auto scale = pplx::param("scale", torch::ones({2, 1}));
    pplx::sample("x", dist::Normal(loc, scale).to_event(2));
  };
  assert_error<pplx::ShapeError>(model, guide, elbo_with(), "disagree on the event dims of latent site 'x'");
}

TEST_CASE("test_model_guide_shape_mismatch_error") {
  auto model = [] { pplx::sample("x", dist::Normal(torch::zeros({1, 2}), torch::ones({1, 2})).to_event(2)); };
  auto guide = [] {
    auto loc = pplx::param("loc", torch::zeros({2, 1}));
    auto scale = pplx::param("scale", torch::ones({2, 1}));
    pplx::sample("x", dist::Normal(loc, scale).to_event(2));
  };
  assert_error<pplx::ShapeError>(model, guide, elbo_with(), "shapes disagree at latent site 'x'");
}

TEST_CASE("test_variable_clash_in_guide_error") {
  auto model = [] { pplx::sample("x", dist::Bernoulli(half())); };
  auto guide = [] {
    pplx::sample("x", dist::Bernoulli(p_param()));
    pplx::sample("x", dist::Bernoulli(p_param()));  // Should error here.
  };
  assert_error<pplx::SiteError>(model, guide, elbo_with(), "multiple sample sites named 'x'");
}

TEST_CASE("test_set_has_rsample_ok") {
  for (bool has_rsample : {false, true}) {
    INFO("has_rsample " << has_rsample);
    // Sparse gradients: both estimators are correct, with or without rsample.
    auto model = [] {
      auto z = pplx::sample("z", dist::Normal(0.0, 1.0));
      auto loc = (z * 100).clamp(0, 1);
      pplx::sample("x", dist::Normal(loc, 1.0), torch::tensor(0.0));
    };
    auto guide = [=] {
      auto loc = pplx::param("loc", torch::tensor(0.0));
      pplx::sample("z", dist::Normal(loc, 1.0).with_rsample(has_rsample));
    };
    assert_ok(model, guide, elbo_with());
  }
}

TEST_CASE("test_not_has_rsample_ok") {
  auto model = [] {
    auto z = pplx::sample("z", dist::Normal(0.0, 1.0));
    auto p = z.round().clamp(0.2, 0.8);  // discontinuous
    pplx::sample("x", dist::Bernoulli(p), torch::tensor(0.0));
  };
  auto guide = [] {
    auto loc = pplx::param("loc", torch::tensor(0.0));
    pplx::sample("z", dist::Normal(loc, 1.0).with_rsample(false));
  };
  assert_ok(model, guide, elbo_with());
}

// Sequential plates: a loop over sites; a subsampled one picks `subsample_size` of the 4 indices
// and scales their sites by 4 / subsample_size, as Pyro's sequential plate does.
TEST_CASE("test_iplate_ok") {
  for (int64_t subsample_size : {4, 2}) {
    INFO("subsample_size " << subsample_size);
    auto iplate = [=](const std::function<void(int64_t)>& body) {
      auto s = h::scale(4.0 / static_cast<double>(subsample_size));
      for (int64_t i = 0; i < subsample_size; ++i) body(i);
    };
    auto model = [=] { iplate([](int64_t i) { pplx::sample("x_" + std::to_string(i), dist::Bernoulli(half())); }); };
    auto guide = [=] { iplate([](int64_t i) { pplx::sample("x_" + std::to_string(i), dist::Bernoulli(p_param())); }); };
    assert_ok(model, guide, elbo_with());
  }
}

TEST_CASE("test_iplate_variable_clash_error") {
  auto model = [] {
    for (int i = 0; i < 2; ++i) pplx::sample("x", dist::Bernoulli(half()));  // each needs its own name
  };
  auto guide = [] {
    for (int i = 0; i < 2; ++i) pplx::sample("x", dist::Bernoulli(p_param()));
  };
  assert_error<pplx::SiteError>(model, guide, elbo_with(), "multiple sample sites named 'x'");
}

TEST_CASE("test_plate_ok") {
  for (int64_t subsample_size : {10, 5}) {
    INFO("subsample_size " << subsample_size);
    auto opts = pplx::PlateOptions().subsample_size(subsample_size);
    auto model = [=] {
      pplx::plate p("plate", 10, opts);
      pplx::sample("x", dist::Bernoulli(half()).expand({p.subsample_size()}));
    };
    auto guide = [=] {
      auto p_value = p_param();
      pplx::plate p("plate", 10, opts);
      pplx::sample("x", dist::Bernoulli(p_value).expand({p.subsample_size()}));
    };
    assert_ok(model, guide, elbo_with());
  }
}

// Pyro's test_plate_subsample_param_ok and test_plate_subsample_primitive_ok: pplx subsamples the
// full-size param with plate.subsample() (Pyro does it for a param with event_dim inside a plate).
TEST_CASE("test_plate_subsample_param_ok") {
  for (int64_t subsample_size : {10, 5}) {
    INFO("subsample_size " << subsample_size);
    auto opts = pplx::PlateOptions().subsample_size(subsample_size);
    auto model = [=] {
      pplx::plate p("plate", 10, opts);
      pplx::sample("x", dist::Bernoulli(half()));
    };
    auto guide = [=] {
      pplx::plate p("plate", 10, opts);
      auto p0 = pplx::param("p0", torch::tensor(0.0));
      CHECK(p0.dim() == 0);
      auto prob = p.subsample(pplx::param("p", 0.5 * torch::ones({10})));
      CHECK(prob.size(0) == subsample_size);
      pplx::sample("x", dist::Bernoulli(prob));
    };
    assert_ok(model, guide, elbo_with());
  }
}

TEST_CASE("test_iplate_iplate_ok and test_iplate_iplate_swap_ok") {
  for (bool swap : {false, true}) {
    INFO("swap " << swap);
    auto name = [](int i, int j) { return "x_" + std::to_string(i) + "_" + std::to_string(j); };
    auto model = [=] {
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) pplx::sample(name(i, j), dist::Bernoulli(half()));
    };
    auto guide = [=] {
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) pplx::sample(swap ? name(b, a) : name(a, b), dist::Bernoulli(p_param()));
    };
    assert_ok(model, guide, elbo_with());
  }
}

TEST_CASE("test_iplate_in_model_not_guide_ok") {
  auto model = [] {
    { pplx::plate p("plate", 10, pplx::PlateOptions().subsample_size(5)); }
    pplx::sample("x", dist::Bernoulli(half()));
  };
  auto guide = [] { pplx::sample("x", dist::Bernoulli(p_param())); };
  assert_ok(model, guide, elbo_with());
}

TEST_CASE("test_iplate_in_guide_not_model_error") {
  auto model = [] { pplx::sample("x", dist::Bernoulli(half())); };
  auto guide = [] {
    auto prob = p_param();
    { pplx::plate p("plate", 10, pplx::PlateOptions().subsample_size(5)); }
    pplx::sample("x", dist::Bernoulli(prob));
  };
  for (bool validate : {true, false}) {
    INFO("validation " << validate);
    pplx::ValidationScope v(validate);
    if (validate) assert_error<pplx::SiteError>(model, guide, elbo_with(), "the guide uses plate 'plate'");
    else assert_ok(model, guide, elbo_with());
  }
}

TEST_CASE("test_plate_broadcast_error") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    pplx::plate plate("plate", 10, pplx::PlateOptions().subsample_size(5));
    pplx::sample("x", dist::Bernoulli(p).expand({2}));
  };
  assert_error<pplx::ShapeError>(model, model, elbo_with(), "but the plate has size 5");
}

TEST_CASE("test_plate_iplate_ok and test_iplate_plate_ok") {
  auto body = [](bool guide) {
    auto prob = guide ? p_param() : half();
    pplx::plate plate("plate", 3, pplx::PlateOptions().subsample_size(2));
    auto s = h::scale(3.0 / 2.0);  // the sequential "iplate" (3, 2)
    for (int i = 0; i < 2; ++i)
      pplx::sample("x_" + std::to_string(i), dist::Bernoulli(prob).expand({plate.subsample_size()}));
  };
  assert_ok([&] { body(false); }, [&] { body(true); }, elbo_with());
}

TEST_CASE("test_plate_stack_ok and test_plate_stack_and_plate_ok") {
  for (const auto& sizes : std::vector<std::vector<int64_t>>{{3}, {3, 4}, {3, 4, 5}})
    for (bool extra_plate : {false, true}) {
      INFO("sizes " << sizes.size() << " extra plate " << extra_plate);
      auto site = [=](bool guide) {
        auto prob = guide ? p_param() : half();
        plate_stack("plate_stack", sizes, 0, [&] {
          if (!extra_plate) return (void)pplx::sample("x", dist::Bernoulli(prob));
          pplx::plate p("plate", 7);  // the next free dim, left of the stack
          pplx::sample("x", dist::Bernoulli(prob));
        });
      };
      assert_ok([&] { site(false); }, [&] { site(true); }, elbo_with());
    }
}

TEST_CASE("test_plate_stack_sizes") {
  for (const auto& sizes : std::vector<std::vector<int64_t>>{{3}, {3, 4}, {3, 4, 5}}) {
    plate_stack("plate_stack", sizes, 0, [&] {
      auto x = pplx::sample("x", dist::Bernoulli(0.5 * torch::ones({3})).to_event(1));
      auto expected = sizes;
      expected.push_back(3);
      CHECK(x.sizes() == torch::IntArrayRef(expected));
    });
  }
}

TEST_CASE("test_nested_plate_plate_ok") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5));
    pplx::sample("x", dist::Bernoulli(p).expand({5}));
    pplx::plate inner("plate_inner", 11, pplx::PlateOptions().subsample_size(6));
    pplx::sample("y", dist::Bernoulli(p).expand({6, 5}));
  };
  assert_ok(model, model, elbo_with());
}

TEST_CASE("test_plate_reuse_ok") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    auto outer = pplx::PlateOptions().subsample_size(5).dim(-1);
    auto inner = pplx::PlateOptions().subsample_size(6).dim(-2);
    {
      pplx::plate po("plate_outer", 10, outer);
      pplx::sample("x", dist::Bernoulli(p).expand({5}));
    }
    {
      pplx::plate pi("plate_inner", 11, inner);
      pplx::sample("y", dist::Bernoulli(p).expand({6, 1}));
    }
    pplx::plate po("plate_outer", 10, outer);
    pplx::plate pi("plate_inner", 11, inner);
    pplx::sample("z", dist::Bernoulli(p).expand({6, 5}));
  };
  assert_ok(model, model, elbo_with());
}

namespace {

// The nested plates of test_nested_plate_plate_dim_error_*: x in plate_outer (10, 5, dim -1),
// y and z also in plate_inner (11, 6, dim -2); `x_shape`, `y_shape`, `z_shape` as in each test.
Fn nested_plates(std::vector<int64_t> x_shape, std::vector<int64_t> y_shape, std::vector<int64_t> z_shape) {
  return [=] {
    auto p = torch::tensor({0.5}).requires_grad_();
    auto expand_by = [&](const std::vector<int64_t>& by) {
      auto shape = by;
      shape.push_back(1);
      return dist::Bernoulli(p).expand(shape);
    };
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5));
    pplx::sample("x", expand_by(x_shape));
    pplx::plate inner("plate_inner", 11, pplx::PlateOptions().subsample_size(6));
    pplx::sample("y", expand_by(y_shape));
    pplx::sample("z", expand_by(z_shape));
  };
}

}  // namespace

// x's batch shape [5, 1]: the plate at dim -1 broadcasts it to [5, 5], and dim -2 has no plate.
// This is issue 12's "batch dim that no plate declares".
TEST_CASE("test_nested_plate_plate_dim_error_1") {
  auto model = nested_plates({5}, {6}, {5, 6});
  assert_error<pplx::ShapeError>(model, model, elbo_with(), "sample site 'x' (model)");
}

TEST_CASE("test_nested_plate_plate_dim_error_2") {
  auto model = nested_plates({5, 1}, {5}, {5, 6});
  assert_error<pplx::ShapeError>(model, model, elbo_with(), "sample site 'y' inside plate 'plate_inner'");
}

// Pyro marks z's shape [6, 1, 1] as the error, but x's [5, 1, 1] already fails (in Pyro as well:
// broadcast by plate_outer to [5, 1, 5], it has a size-5 dim -3 that no plate declares).
TEST_CASE("test_nested_plate_plate_dim_error_3") {
  auto model = nested_plates({5, 1}, {6}, {6, 1});
  assert_error<pplx::ShapeError>(model, model, elbo_with(), "no enclosing plate declares");
}

TEST_CASE("test_nested_plate_plate_dim_error_4") {
  auto model = nested_plates({5, 1}, {6}, {5, 5});
  assert_error<pplx::ShapeError>(model, model, elbo_with(), "sample site 'z' inside plate 'plate_inner'");
}

TEST_CASE("test_nested_plate_plate_subsample_param_ok") {
  auto model = [] {
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5));
    pplx::sample("x", dist::Bernoulli(0.2));
    pplx::plate inner("plate_inner", 11, pplx::PlateOptions().subsample_size(6));
    pplx::sample("y", dist::Bernoulli(0.2));
  };
  auto guide = [] {
    auto p0 = pplx::param("p0", 0.5 * torch::ones({4, 5}));
    CHECK(p0.sizes() == torch::IntArrayRef({4, 5}));
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5));
    auto p1 = outer.subsample(pplx::param("p1", 0.5 * torch::ones({10, 3})));
    CHECK(p1.sizes() == torch::IntArrayRef({5, 3}));
    auto px = outer.subsample(pplx::param("px", 0.5 * torch::ones({10})));
    CHECK(px.sizes() == torch::IntArrayRef({5}));
    pplx::sample("x", dist::Bernoulli(px));
    pplx::plate inner("plate_inner", 11, pplx::PlateOptions().subsample_size(6));
    auto py = inner.subsample(outer.subsample(pplx::param("py", 0.5 * torch::ones({11, 10})), 1), 0);
    CHECK(py.sizes() == torch::IntArrayRef({6, 5}));
    pplx::sample("y", dist::Bernoulli(py));
  };
  assert_ok(model, guide, elbo_with());
}

TEST_CASE("test_nonnested_plate_plate_ok") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    {
      pplx::plate p0("plate_0", 10, pplx::PlateOptions().subsample_size(5));
      pplx::sample("x0", dist::Bernoulli(p).expand({5}));
    }
    pplx::plate p1("plate_1", 11, pplx::PlateOptions().subsample_size(6));
    pplx::sample("x1", dist::Bernoulli(p).expand({6}));
  };
  assert_ok(model, model, elbo_with());
}

TEST_CASE("test_plate_wrong_size_error") {
  auto body = [](bool guide) {
    auto prob = guide ? p_param() : half();
    pplx::plate p("plate", 10, pplx::PlateOptions().subsample_size(5));
    pplx::sample("x", dist::Bernoulli(prob).expand({1 + 5}));
  };
  assert_error<pplx::ShapeError>([&] { body(false); }, [&] { body(true); }, elbo_with(), "but the plate has size 5");
}

TEST_CASE("test_plate_shape_broadcasting") {
  const auto data = torch::ones({1000, 2});
  auto p_site = [] {
    auto p = pplx::sample("p", dist::Beta(torch::tensor(1.1), torch::tensor(1.1)));
    CHECK(p.sizes() == torch::IntArrayRef({10, 1, 2}));
    return p;
  };
  auto model = [&] {
    pplx::plate particles("num_particles", 10, pplx::PlateOptions().dim(-3));
    torch::Tensor p;
    {
      pplx::plate components("components", 2, pplx::PlateOptions().dim(-1));
      p = p_site();
    }
    pplx::plate d("data", data.size(0), pplx::PlateOptions().dim(-2));
    pplx::sample("obs", dist::Bernoulli(p), data);
  };
  auto guide = [&] {
    pplx::plate particles("num_particles", 10, pplx::PlateOptions().dim(-3));
    pplx::plate components("components", 2, pplx::PlateOptions().dim(-1));
    p_site();
  };
  assert_ok(model, guide, elbo_with());
}

TEST_CASE("test_dim_allocation_ok") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5).dim(-3));
    auto x = pplx::sample("x", dist::Bernoulli(p));
    pplx::plate inner_1("plate_inner_1", 11, pplx::PlateOptions().subsample_size(6));  // dim -1
    auto y = pplx::sample("y", dist::Bernoulli(p));
    pplx::plate inner_2("plate_inner_2", 12, pplx::PlateOptions().subsample_size(7));  // dim -2
    auto z = pplx::sample("z", dist::Bernoulli(p));
    pplx::plate inner_3("plate_inner_3", 13, pplx::PlateOptions().subsample_size(8));  // dim -4
    auto q = pplx::sample("q", dist::Bernoulli(p));
    CHECK(x.sizes() == torch::IntArrayRef({5, 1, 1}));
    CHECK(y.sizes() == torch::IntArrayRef({5, 1, 6}));
    CHECK(z.sizes() == torch::IntArrayRef({5, 7, 6}));
    CHECK(q.sizes() == torch::IntArrayRef({8, 5, 7, 6}));
  };
  assert_ok(model, model, elbo_with(infer::ELBOOptions().max_plate_nesting(4)));
}

TEST_CASE("test_dim_allocation_error") {
  auto model = [] {
    auto p = torch::tensor(0.5).requires_grad_();
    pplx::plate outer("plate_outer", 10, pplx::PlateOptions().subsample_size(5).dim(-2));
    pplx::sample("x", dist::Bernoulli(p));
    pplx::plate inner_1("plate_inner_1", 11, pplx::PlateOptions().subsample_size(6));  // dim -1
    pplx::sample("y", dist::Bernoulli(p));
    pplx::plate inner_2("plate_inner_2", 12, pplx::PlateOptions().subsample_size(7).dim(-1));  // collides
    pplx::sample("z", dist::Bernoulli(p));
  };
  assert_error<pplx::ValueError>(model, model, elbo_with(),
                                 "dim -1 is already used by enclosing plate 'plate_inner_1'");
}

TEST_CASE("test_vectorized_num_particles") {
  const auto data = torch::ones({1000, 2});
  auto model = [&] {
    pplx::plate components("components", 2);
    auto p = pplx::sample("p", dist::Beta(torch::tensor(1.1), torch::tensor(1.1)));
    CHECK(p.sizes() == torch::IntArrayRef({10, 1, 2}));
    pplx::plate d("data", data.size(0));
    pplx::sample("obs", dist::Bernoulli(p), data);
  };
  auto guide = [] {
    pplx::plate components("components", 2);
    pplx::sample("p", dist::Beta(torch::tensor(1.1), torch::tensor(1.1)));
  };
  assert_ok(model, guide,
            elbo_with(infer::ELBOOptions().num_particles(10).vectorize_particles(true).max_plate_nesting(2)));
}

TEST_CASE("test_factor_in_model_ok") {
  assert_ok([] { pplx::factor("f", torch::tensor(0.0)); }, [] {}, elbo_with());
}

// pplx's factor is Pyro's factor(..., has_rsample=True): its gradient flows through log_factor.
// Pyro refuses a guide factor without has_rsample (test_factor_in_guide_error); pplx accepts it.
TEST_CASE("test_factor_in_guide_ok (has_rsample=True)") {
  assert_ok([] {}, [] { pplx::factor("f", torch::tensor(0.0)); }, elbo_with());
}

TEST_CASE("test_mean_field_ok") {
  auto model = [] {
    auto x = pplx::sample("x", dist::Normal(0.0, 1.0));
    pplx::sample("y", dist::Normal(x, 1.0));
  };
  auto guide = [] {
    auto loc = pplx::param("loc", torch::tensor(0.0));
    auto x = pplx::sample("x", dist::Normal(loc, 1.0));
    pplx::sample("y", dist::Normal(x, 1.0));
  };
  assert_ok(model, guide, elbo_with<infer::TraceMeanFieldELBO>());
}

TEST_CASE("test_mean_field_mask_ok") {
  for (bool mask : {true, false}) {
    INFO("mask " << mask);
    auto m = torch::tensor(mask);
    auto model = [=] {
      auto x = pplx::sample("x", dist::Normal(0.0, 1.0).mask(m));
      pplx::sample("y", dist::Normal(x, 1.0));
    };
    auto guide = [=] {
      auto loc = pplx::param("loc", torch::tensor(0.0));
      auto x = pplx::sample("x", dist::Normal(loc, 1.0).mask(m));
      pplx::sample("y", dist::Normal(x, 1.0));
    };
    assert_ok(model, guide, elbo_with<infer::TraceMeanFieldELBO>());
  }
}

namespace {

void reparam_guide() {
  auto loc = pplx::param("loc", torch::tensor(0.0));
  pplx::sample("x", dist::Normal(loc, 1.0));
}

// x ~ N(0, 1); y ~ N(x, 1) observed at 0 inside `wrap` (a mask or a scale handler).
Fn reparam_model(const std::function<void(const Fn&)>& wrap) {
  return [=] {
    auto x = pplx::sample("x", dist::Normal(0.0, 1.0));
    wrap([&] { pplx::sample("y", dist::Normal(x, 1.0), torch::tensor(0.0)); });
  };
}

template <class Elbo>
void reparam_cases() {
  assert_ok(reparam_model([](const Fn& f) { f(); }), reparam_guide, elbo_with<Elbo>());
  for (bool mask : {true, false}) {  // Pyro: True, False, tensor(True), tensor(False)
    INFO("mask " << mask);
    assert_ok(reparam_model([=](const Fn& f) {
                auto m = h::mask(torch::tensor(mask));
                f();
              }),
              reparam_guide, elbo_with<Elbo>());
  }
  for (double scale : {1.0, 0.1, 0.5}) {
    INFO("scale " << scale);
    assert_ok(reparam_model([=](const Fn& f) {
                auto s = h::scale(scale);
                f();
              }),
              reparam_guide, elbo_with<Elbo>());
  }
}

// c ~ LogNormal(0, 1)^3; obs ~ Dirichlet(c) for 2 rows inside a plate and `wrap`.
template <class Elbo>
void reparam_plate_case(const std::function<void(const Fn&)>& wrap) {
  torch::manual_seed(0);
  auto data = torch::randn({2, 3}).exp();
  data = data / data.sum(-1, true);
  auto model = [=] {
    auto c = pplx::sample("c", dist::LogNormal(0.0, 1.0).expand({3})->to_event(1));
    pplx::plate p("data", 2);
    wrap([&] { pplx::sample("obs", dist::Dirichlet(c), data); });
  };
  auto guide = [] {
    auto loc = pplx::param("loc", torch::zeros({3}));
    auto scale = pplx::param("scale", torch::ones({3}), pplx::constraints::positive);
    pplx::sample("c", dist::LogNormal(loc, scale).to_event(1));
  };
  assert_ok(model, guide, elbo_with<Elbo>());
}

template <class Elbo>
void reparam_plate_cases() {
  for (const auto& mask : {torch::tensor(true), torch::tensor(false), torch::tensor({false, true})}) {
    INFO("mask " << mask);
    reparam_plate_case<Elbo>([=](const Fn& f) {
      auto m = h::mask(mask);
      f();
    });
  }
  for (double scale : {1.0, 0.1, 0.5}) {  // Pyro also has a tensor scale [0.1, 0.9]: pplx's is a number
    INFO("scale " << scale);
    reparam_plate_case<Elbo>([=](const Fn& f) {
      auto s = h::scale(scale);
      f();
    });
  }
}

}  // namespace

TEST_CASE("test_reparam_ok, test_reparam_mask_ok and test_reparam_scale_ok Trace_ELBO") {
  reparam_cases<infer::TraceELBO>();
}

TEST_CASE("test_reparam_ok, test_reparam_mask_ok and test_reparam_scale_ok TraceMeanField_ELBO") {
  reparam_cases<infer::TraceMeanFieldELBO>();
}

TEST_CASE("test_reparam_mask_plate_ok and test_reparam_scale_plate_ok Trace_ELBO") {
  reparam_plate_cases<infer::TraceELBO>();
}

TEST_CASE("test_reparam_mask_plate_ok and test_reparam_scale_plate_ok TraceMeanField_ELBO") {
  reparam_plate_cases<infer::TraceMeanFieldELBO>();
}
