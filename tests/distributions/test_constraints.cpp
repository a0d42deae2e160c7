// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "helpers.h"

namespace c = pplx::constraints;

namespace {
std::vector<bool> check(const c::ConstraintPtr& con, const torch::Tensor& v) {
  auto r = con->check(v).to(torch::kLong);
  std::vector<bool> out;
  for (int64_t i = 0; i < r.numel(); ++i) out.push_back(r.reshape({-1})[i].item<int64_t>() != 0);
  return out;
}
using B = std::vector<bool>;
}  // namespace

TEST_CASE("constraints: elementwise sets reject NaN and respect their bounds") {
  auto v = torch::tensor({-1.0, 0.0, 0.5, 1.0, std::nan("")});
  CHECK(check(c::real, v) == B{true, true, true, true, false});
  CHECK(check(c::positive, v) == B{false, false, true, true, false});
  CHECK(check(c::nonnegative, v) == B{false, true, true, true, false});
  CHECK(check(c::unit_interval, v) == B{false, true, true, true, false});
  CHECK(check(c::interval(-1.0, 0.5), v) == B{true, true, true, false, false});
  CHECK(check(c::greater_than(0.5), v) == B{false, false, false, true, false});
  CHECK(check(c::boolean, v) == B{false, true, false, true, false});
  CHECK(check(c::nonnegative_integer, torch::tensor({-1.0, 0.0, 2.0, 2.5})) == B{false, true, true, false});
  CHECK(check(c::integer_interval(torch::tensor(0), torch::tensor({2.0, 3.0})), torch::tensor({3.0, 3.0})) ==
        B{false, true});
  CHECK(c::unit_interval->lower_bound().item<double>() == 0.0);
  CHECK(c::interval(-1.0, 0.5)->upper_bound().item<double>() == 0.5);
  CHECK_FALSE(c::real->lower_bound().defined());
}

TEST_CASE("constraints: event constraints check whole events") {
  CHECK(check(c::simplex, torch::tensor({{0.2, 0.8}, {0.5, 0.6}, {-0.1, 1.1}})) == B{true, false, false});
  CHECK(check(c::one_hot, torch::tensor({{0.0, 1.0}, {1.0, 1.0}})) == B{true, false});
  CHECK(check(c::lower_cholesky, torch::stack({torch::eye(2), torch::tensor({{1.0, 0.5}, {0.0, 1.0}}),
                                               torch::tensor({{1.0, 0.0}, {0.5, -1.0}})})) == B{true, false, false});
  CHECK(check(c::positive_definite, torch::stack({torch::tensor({{2.0, 0.5}, {0.5, 1.0}}),
                                                  torch::tensor({{1.0, 2.0}, {2.0, 1.0}})})) == B{true, false});
  auto ind = c::independent(c::positive, 1);
  CHECK(ind->event_dim() == 1);
  CHECK(ind->base_constraint() == c::positive);
  CHECK(ind->describe() == "independent(positive, 1)");
  CHECK(check(ind, torch::tensor({{1.0, 2.0}, {1.0, 0.0}})) == B{true, false});
}

TEST_CASE("constraints: from_name rebuilds what name() and args() describe") {
  for (const auto& con : {c::real, c::positive, c::unit_interval, c::simplex, c::lower_cholesky, c::interval(-2.0, 3.0),
                          c::greater_than(1.5)}) {
    auto back = c::from_name(con->name(), con->args());
    CHECK(back->describe() == con->describe());
  }
  CHECK_THROWS_AS(c::from_name("no_such_constraint"), pplx::ValueError);
  CHECK_THROWS_AS(c::interval(1.0, 1.0), pplx::ValueError);
}

TEST_CASE("constraints: all_hold is exactly check().all(), on NaN, infinities, empty and integer tensors") {
  // all_hold takes shortcuts (one min, aminmax or sum); they must never disagree with check().
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::vector<torch::Tensor> values = {
      torch::tensor({0.5, 0.25}),
      torch::tensor({0.0, 1.0}),
      torch::tensor({-1.0, 2.0}),
      torch::tensor({nan}),
      torch::tensor({1.0, nan}),
      torch::tensor({inf, -inf}),
      torch::tensor({inf, 1.0}),
      torch::tensor({-inf}),
      torch::empty({0}),
      torch::tensor({0, 1, 2}),
      torch::tensor({-3, 0}),
      torch::tensor(0.75, torch::kDouble),
      torch::tensor({1.5, 2.0}, torch::kFloat16),
      torch::tensor({std::numeric_limits<double>::max(), std::numeric_limits<double>::max()}, torch::kDouble)};
  std::vector<c::ConstraintPtr> constraints = {c::real,
                                               c::positive,
                                               c::nonnegative,
                                               c::unit_interval,
                                               c::greater_than(0.5),
                                               c::greater_than_eq(0.5),
                                               c::interval(-1.0, 0.5),
                                               c::half_open_interval(0.0, 1.0),
                                               c::boolean,
                                               c::nonnegative_integer};
  for (const auto& con : constraints)
    for (const auto& v : values) {
      INFO(con->describe() << " on " << v);
      bool expected = false;
      try {
        expected = con->check(v).all().item<bool>();
      } catch (const c10::Error&) {
        continue;  // LibTorch lacks the op for this dtype (floor on CPU half): nothing to compare
      }
      CHECK(con->all_hold(v) == expected);
    }
}

TEST_CASE("constraints: only_rejects_nan is true exactly for the sets that every non-NaN value lies in") {
  // Validation skips the device-side verdict of such a set (a NaN shows in the loss anyway); a
  // wrapper that forgot to say so costs three operators per check, one that said so wrongly
  // would let bad values through. Probe each set with values of every kind, as 2x2 events.
  const double inf = std::numeric_limits<double>::infinity();
  const auto probe = torch::tensor({{{-inf, -3.5}, {0.0, 0.5}}, {{1.0, 7.0}, {inf, 1e30}}}, torch::kDouble);
  std::vector<c::ConstraintPtr> constraints = {c::real,
                                               c::real_vector,
                                               c::independent(c::real, 1),
                                               c::independent(c::real_vector, 1),
                                               c::positive,
                                               c::nonnegative,
                                               c::unit_interval,
                                               c::boolean,
                                               c::nonnegative_integer,
                                               c::simplex,
                                               c::lower_cholesky,
                                               c::positive_definite,
                                               c::softplus_positive,
                                               c::unit_lower_cholesky,
                                               c::greater_than(0.5),
                                               c::interval(-1.0, 0.5),
                                               c::integer_interval(0.0, 9.0),
                                               c::independent(c::positive, 2)};
  for (const auto& con : constraints) {
    INFO(con->describe());
    const bool all_in = con->check(probe).all().item<bool>();
    CHECK(con->only_rejects_nan() == all_in);
    if (con->only_rejects_nan()) {
      auto with_nan = probe.clone();
      with_nan[0][0][0] = std::nan("");
      CHECK_FALSE(con->check(with_nan).all().item<bool>());
    }
  }
}

TEST_CASE("constraints: same_as recognises an equal set built anew, and only an equal one") {
  CHECK(c::integer_interval(0.0, 9.0)->same_as(*c::integer_interval(0.0, 9.0)));
  CHECK(c::interval(-1.0, 0.5)->same_as(*c::interval(-1.0, 0.5)));
  CHECK(c::independent(c::real, 1)->same_as(*c::independent(c::real, 1)));
  CHECK(c::positive->same_as(*c::from_name("positive")));
  CHECK_FALSE(c::integer_interval(0.0, 9.0)->same_as(*c::integer_interval(0.0, 8.0)));
  CHECK_FALSE(c::interval(0.0, 1.0)->same_as(*c::half_open_interval(0.0, 1.0)));
  CHECK_FALSE(c::positive->same_as(*c::softplus_positive));  // one predicate, two sets
  CHECK_FALSE(c::independent(c::real, 1)->same_as(*c::independent(c::real, 2)));
  CHECK_FALSE(c::independent(c::real, 1)->same_as(*c::real_vector));
  // Tensor bounds compare by identity (their values would take a read to compare).
  auto lo = torch::zeros({}), hi = torch::ones({});
  CHECK(c::interval(lo, hi)->same_as(*c::interval(lo, hi)));
  CHECK_FALSE(c::interval(lo, hi)->same_as(*c::interval(lo, hi.clone())));
  CHECK_FALSE(c::interval(lo, hi)->same_as(*c::interval(lo, hi, /*half_open=*/true)));
}
