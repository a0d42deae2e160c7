// SPDX-License-Identifier: Apache-2.0
// Errors thrown by pplx. Every message names the site, the handler and the shapes involved.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <c10/util/ArrayRef.h>

namespace pplx {

namespace detail {
inline void str_append(std::ostringstream&) {}
template <class T, class... Rest>
void str_append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  str_append(os, rest...);
}
/// Concatenates anything with an operator<< (shapes print as [2, 3]).
template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  str_append(os, args...);
  return os.str();
}
}  // namespace detail

/// Base class of every error pplx throws on bad input. Catch this to catch them all. The message
/// is the concatenation of the parts (anything with an operator<<; shapes print as [2, 3]), so
/// that a throw site reads as its message:
///
///   throw pplx::ShapeError("sample site '", name, "': value shape ", shape, " does not broadcast");
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  template <class First, class... Rest, class = std::enable_if_t<(sizeof...(Rest) > 0)>>
  explicit Error(const First& first, const Rest&... rest) : std::runtime_error(detail::str(first, rest...)) {}
};

/// A tensor shape that does not fit (observed value vs distribution, plate sizes, event dims).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A value outside what is allowed (distribution parameters, support, options).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A site expected in a trace (replay, ELBO) is missing, or appears where it must not.
class SiteError : public Error {
 public:
  using Error::Error;
};

/// A method a distribution does not define (e.g. entropy of a mixture) or a missing KL pair.
class NotImplementedError : public Error {
 public:
  using Error::Error;
};

/// Reading or writing a parameter file failed (missing, truncated, corrupt, newer version).
class IOError : public Error {
 public:
  using Error::Error;
};

/// Rethrows the pplx::Error being handled with the message `message(e)`, keeping its type (a
/// ShapeError stays a ShapeError, so callers can still catch it), to add where it arose (a site,
/// a guide). Call it only inside a catch block; an exception that is not a pplx::Error propagates
/// unchanged.
///
///   try { guide(); } catch (const pplx::Error&) {
///     pplx::rethrow_with_message([](const std::exception& e) { return std::string("guide: ") + e.what(); });
///   }
template <class Message>
[[noreturn]] void rethrow_with_message(Message&& message) {
  try {
    throw;
  } catch (const ShapeError& e) {
    throw ShapeError(message(e));
  } catch (const ValueError& e) {
    throw ValueError(message(e));
  } catch (const SiteError& e) {
    throw SiteError(message(e));
  } catch (const NotImplementedError& e) {
    throw NotImplementedError(message(e));
  } catch (const IOError& e) {
    throw IOError(message(e));
  } catch (const Error& e) {
    throw Error(message(e));
  }
}

/// Throws `E` with the concatenation of `args` when `cond` is false.
#define PPLX_CHECK_AS(E, cond, ...)                         \
  do {                                                      \
    if (!(cond)) throw E(::pplx::detail::str(__VA_ARGS__)); \
  } while (0)
#define PPLX_CHECK(cond, ...) PPLX_CHECK_AS(::pplx::Error, cond, __VA_ARGS__)

}  // namespace pplx
