// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/block.h>

#include <algorithm>

#include <pplx/error.h>

namespace pplx {
namespace handlers {
namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
void check_types(const std::vector<std::string>& types) {
  for (const auto& t : types)
    PPLX_CHECK_AS(ValueError, t == "sample" || t == "param" || t == "plate" || t == "observe",
                  "handlers::block: unknown site type '", t, "' (use sample, param, plate or observe)");
}
void check_disjoint(const std::vector<std::string>& a, const std::vector<std::string>& b, const char* what) {
  for (const auto& s : a)
    PPLX_CHECK_AS(ValueError, !contains(b, s), "handlers::block: ", what, " '", s, "' is both hidden and exposed");
}
}  // namespace

// Giving a hide list turns hide_all off; giving an expose list turns it on (Pyro's rules).
BlockOptions& BlockOptions::hide(std::vector<std::string> n) {
  hide_ = std::move(n);
  hide_all_ = false;
  return *this;
}
BlockOptions& BlockOptions::expose(std::vector<std::string> n) {
  expose_ = std::move(n);
  hide_all_ = true;
  return *this;
}
BlockOptions& BlockOptions::hide_types(std::vector<std::string> t) {
  hide_types_ = std::move(t);
  hide_all_ = false;
  return *this;
}
BlockOptions& BlockOptions::expose_types(std::vector<std::string> t) {
  expose_types_ = std::move(t);
  hide_all_ = true;
  return *this;
}
BlockOptions& BlockOptions::hide_all(bool on) {
  hide_all_ = on;
  return *this;
}
BlockOptions& BlockOptions::expose_all(bool on) {
  expose_all_ = on;
  if (on) hide_all_ = false;
  return *this;
}

BlockMessenger::BlockMessenger(BlockOptions o) : Messenger("block"), o_(std::move(o)) {
  check_types(o_.hide_types_);
  check_types(o_.expose_types_);
  check_disjoint(o_.hide_, o_.expose_, "site");
  check_disjoint(o_.hide_types_, o_.expose_types_, "type");
}

bool BlockMessenger::hides(const Message& msg) const {
  const std::string type = msg.is_observed ? "observe" : to_string(msg.type);
  const bool exposed = contains(o_.expose_, msg.name) || contains(o_.expose_types_, type);
  return contains(o_.hide_, msg.name) || contains(o_.hide_types_, type) || (!exposed && o_.hide_all_);
}

void BlockMessenger::process_message(Message& msg) { msg.stop = hides(msg); }

}  // namespace handlers
}  // namespace pplx
