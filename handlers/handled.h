// SPDX-License-Identifier: Apache-2.0
// Function-wrapper form of the handlers: handlers::scale(fn, 0.5) returns a callable that runs
// fn under a fresh ScaleMessenger each time it is called.
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

namespace pplx {
namespace handlers {

/// A callable that constructs messenger M from the stored arguments, then calls fn inside it.
template <class M, class Fn, class... MArgs>
class Handled {
 public:
  explicit Handled(Fn fn, MArgs... margs) : fn_(std::move(fn)), margs_(std::move(margs)...) {}

  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    return std::apply(
        [&](const MArgs&... m) -> decltype(auto) {
          M messenger(m...);
          return fn_(std::forward<Args>(args)...);
        },
        margs_);
  }

 private:
  Fn fn_;
  std::tuple<MArgs...> margs_;
};

/// Detects a callable wrapped by a verb (as opposed to an options struct passed to the scope form).
template <class T, class... Options>
constexpr bool is_wrappable_v =
    !(std::is_same_v<std::decay_t<T>, Options> || ...) && !std::is_arithmetic_v<std::decay_t<T>>;

}  // namespace handlers
}  // namespace pplx
