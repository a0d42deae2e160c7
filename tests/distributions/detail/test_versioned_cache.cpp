// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <tuple>

#include <torch/torch.h>

#include <pplx/distributions/detail/versioned_cache.h>

using pplx::distributions::detail::VersionedCache;

TEST_CASE("versioned cache: the same tensor per key, until changed in place, made to require grad or evicted") {
  VersionedCache<std::tuple<int64_t>, 2> cache;
  int made = 0;
  auto get = [&](int64_t n) {
    return cache.get({n}, [&] {
      ++made;
      return torch::full({}, static_cast<double>(n));
    });
  };
  auto one = get(1);
  CHECK(get(1).is_same(one));
  CHECK(made == 1);
  auto two = get(2);
  CHECK_FALSE(two.is_same(one));
  CHECK(get(1).is_same(one));
  CHECK(made == 2);
  one.add_(0);  // changed in place: remade
  CHECK_FALSE(get(1).is_same(one));
  CHECK(made == 3);
  auto again = get(1);
  again.requires_grad_(true);  // could now be saved for backward: remade
  CHECK_FALSE(get(1).is_same(again));
  CHECK(made == 4);
  // A ring of 2: key 2 was evicted by the last two remakes of key 1.
  CHECK_FALSE(get(2).is_same(two));
  {
    c10::InferenceMode guard;  // under InferenceMode: made afresh, nothing cached
    auto a = get(3);
    CHECK_FALSE(get(3).is_same(a));
  }
  CHECK(made == 7);
}
