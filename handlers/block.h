// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <pplx/handlers/handled.h>
#include <pplx/messenger.h>

namespace pplx {
namespace handlers {

/// What block hides. Types are "sample", "param", "plate" and "observe" (observed sample sites),
/// as in Pyro. With no option set, everything is hidden. Giving `hide`/`hide_types` hides only
/// those; giving `expose`/`expose_types` hides everything else.
struct BlockOptions {
  BlockOptions& hide(std::vector<std::string> names);
  BlockOptions& expose(std::vector<std::string> names);
  BlockOptions& hide_types(std::vector<std::string> types);
  BlockOptions& expose_types(std::vector<std::string> types);
  BlockOptions& hide_all(bool on);
  BlockOptions& expose_all(bool on);

  std::vector<std::string> hide_, expose_, hide_types_, expose_types_;
  bool hide_all_ = true;
  bool expose_all_ = false;
};

/// Hides sites from the handlers outside it (Pyro's block): a hidden site still runs its default
/// behaviour, but no enclosing trace, replay, scale... sees it.
///
///   { auto b = handlers::block(BlockOptions().hide({"z"}));  model(); }   // outer trace misses z
class BlockMessenger : public Messenger {
 public:
  /// Throws pplx::ValueError when a name or type is both hidden and exposed, or a type is unknown.
  explicit BlockMessenger(BlockOptions options = {});
  void process_message(Message& msg) override;
  /// Whether this block hides `msg`.
  bool hides(const Message& msg) const;

 private:
  BlockOptions o_;
};

inline BlockMessenger block(BlockOptions options = {}) { return BlockMessenger(std::move(options)); }
template <class Fn, class = std::enable_if_t<is_wrappable_v<Fn, BlockOptions>>>
Handled<BlockMessenger, std::decay_t<Fn>, BlockOptions> block(Fn&& fn, BlockOptions options = {}) {
  return Handled<BlockMessenger, std::decay_t<Fn>, BlockOptions>(std::forward<Fn>(fn), std::move(options));
}

}  // namespace handlers
}  // namespace pplx
