// SPDX-License-Identifier: Apache-2.0
// Argument validation switch, like Pyro's enable_validation. On by default.
#pragma once

namespace pplx {

/// Turns validation of distribution parameters, support and observed shapes on or off for the
/// calling thread (per thread, like the handler stack; each thread starts with validation on).
void enable_validation(bool on = true);

/// Whether validation is on for the calling thread.
bool is_validation_enabled();

/// RAII: sets validation for the current scope and restores the previous setting on exit.
class ValidationScope {
 public:
  explicit ValidationScope(bool on) : previous_(is_validation_enabled()) { enable_validation(on); }
  ~ValidationScope() { enable_validation(previous_); }
  ValidationScope(const ValidationScope&) = delete;
  ValidationScope& operator=(const ValidationScope&) = delete;

 private:
  bool previous_;
};

}  // namespace pplx
