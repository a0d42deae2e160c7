// SPDX-License-Identifier: Apache-2.0
// AutoGuideList: autoguides and hand-written guides for parts of one model (Pyro's AutoGuideList).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <pplx/error.h>
#include <pplx/handlers/condition.h>
#include <pplx/infer/autoguide/guide.h>
#include <pplx/infer/autoguide/utils.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace detail {

/// Marks a model whose call signature cannot be read (a generic lambda, an overloaded operator()).
struct UnknownSignature;

// The argument list of a callable with one operator() (or of a function), as a function type.
template <class F, class = void>
struct call_signature {
  using type = UnknownSignature;
};
template <class R, class... A>
struct call_signature<R (*)(A...), void> {
  using type = void(A...);
};
template <class R, class... A>
struct call_signature<R(A...), void> {
  using type = void(A...);
};
template <class M>
struct member_signature;
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...)> {
  using type = void(A...);
};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) const> {
  using type = void(A...);
};
template <class F>
struct call_signature<F, std::void_t<decltype(&F::operator())>> {
  using type = typename member_signature<decltype(&F::operator())>::type;
};
template <class F>
using call_signature_t = typename call_signature<std::decay_t<F>>::type;

// Whether a part has Pyro's median(args...) and quantiles(qs, args...).
template <class P, class Sig, class = void>
struct has_median : std::false_type {};
template <class P, class... A>
struct has_median<P, void(A...),
                  std::void_t<decltype(std::declval<P&>().median(std::declval<A>()...)),
                              decltype(std::declval<P&>().quantiles(std::declval<const std::vector<double>&>(),
                                                                    std::declval<A>()...))>> : std::true_type {};

}  // namespace detail

/// A guide made of parts, each guiding some of the model's latent sites (Pyro's AutoGuideList):
/// autoguides built over `handlers::block(model, BlockOptions().expose({...}))` (or `.hide`), and
/// hand-written guides (Pyro's AutoCallable) for the rest. Parts run in order with one shared
/// subsample per plate; median() and quantiles() merge those of the parts (a hand-written part
/// contributes what its optional median function returns). An autoguide part's parameters are
/// renamed `AutoGuideList.<i>.*`, as in Pyro. Copies share their parts. The call signature is read
/// from the model; for a generic lambda name it: `AutoGuideList<decltype(model), void(const
/// torch::Tensor&)>`. No two parts may sample the same site (the trace rejects it).
///
///   ag::AutoGuideList guide(model);
///   guide.append(ag::AutoMultivariateNormal(h::block(model, h::BlockOptions().expose({"w", "b"}))));
///   guide.append(local_guide);   // a hand-written guide for the local latents
template <class Model, class Signature = detail::call_signature_t<Model>>
class AutoGuideList;

template <class Model>
class AutoGuideList<Model, detail::UnknownSignature> {
  static_assert(!std::is_same_v<Model, Model>,
                "AutoGuideList cannot read the model's argument types (a generic lambda or an overloaded "
                "operator()); name them: AutoGuideList<decltype(model), void(const torch::Tensor&, ...)>");
};

template <class Model, class R, class... A>
class AutoGuideList<Model, R(A...)> {
 public:
  /// The model all parts guide a part of.
  explicit AutoGuideList(Model model) : model_(std::move(model)), state_(std::make_shared<State>()) {}

  /// Adds an autoguide (its parameters become `AutoGuideList.<i>.*`; pplx::ValueError if it has
  /// already run) or a hand-written guide callable with the model's arguments.
  template <class Part>
  void append(Part part) {
    using P = std::decay_t<Part>;
    Entry e;
    if constexpr (is_autoguide_v<P>) {
      part.impl()->set_prefix(state_->prefix + "." + std::to_string(state_->parts.size()));
      e.impl = part.impl();
    }
    if constexpr (detail::has_median<P, void(A...)>::value) {
      auto shared = std::make_shared<P>(std::move(part));
      e.call = [shared](A... a) { (*shared)(a...); };
      e.median = [shared](A... a) { return shared->median(a...); };
      e.quantiles = [shared](const std::vector<double>& q, A... a) { return shared->quantiles(q, a...); };
    } else {
      static_assert(std::is_invocable_v<P&, A...>,
                    "AutoGuideList::append: a part must be callable with the model's arguments");
      auto shared = std::make_shared<P>(std::move(part));
      e.call = [shared](A... a) { (*shared)(a...); };
    }
    state_->parts.push_back(std::move(e));
  }
  /// Adds a hand-written guide with a function giving its sites' medians (Pyro's AutoCallable
  /// with `median`): `median(args...)` returns site -> constrained median.
  template <class Guide, class Median>
  void append(Guide guide, Median median) {
    Entry e;
    auto g = std::make_shared<std::decay_t<Guide>>(std::move(guide));
    auto m = std::make_shared<std::decay_t<Median>>(std::move(median));
    e.call = [g](A... a) { (*g)(a...); };
    e.median = [m](A... a) -> handlers::TensorMap { return (*m)(a...); };
    state_->parts.push_back(std::move(e));
  }

  /// Runs every part.
  void operator()(A... args) {
    PPLX_CHECK_AS(ValueError, !state_->parts.empty(), "AutoGuideList: no parts; append autoguides or guides first");
    detail::PlateCacheMessenger shared_plates;  // Pyro's master plates: one subsample for all parts
    for (auto& p : state_->parts) p.call(args...);
  }
  /// Medians of every part's sites (hand-written parts without a median function add none).
  handlers::TensorMap median(A... args) {
    handlers::TensorMap out;
    for (auto& p : state_->parts)
      if (p.median) merge(out, p.median(args...));
    return out;
  }
  /// Quantiles of the autoguide parts' sites: site -> [len(quantiles), ...].
  handlers::TensorMap quantiles(const std::vector<double>& quantiles, A... args) {
    handlers::TensorMap out;
    for (auto& p : state_->parts)
      if (p.quantiles) merge(out, p.quantiles(quantiles, args...));
    return out;
  }

  size_t size() const { return state_->parts.size(); }
  Model& model() { return model_; }
  /// The shared state of autoguide part `i` (null for a hand-written part).
  std::shared_ptr<detail::AutoGuideImpl> part(size_t i) const { return state_->parts.at(i).impl; }

 private:
  struct Entry {
    std::function<void(A...)> call;
    std::function<handlers::TensorMap(A...)> median;
    std::function<handlers::TensorMap(const std::vector<double>&, A...)> quantiles;
    std::shared_ptr<detail::AutoGuideImpl> impl;
  };
  struct State {
    std::string prefix = "AutoGuideList";
    std::vector<Entry> parts;
  };
  static void merge(handlers::TensorMap& into, handlers::TensorMap from) {
    for (auto& kv : from) into[kv.first] = std::move(kv.second);
  }

  Model model_;
  std::shared_ptr<State> state_;
};

template <class Model>
AutoGuideList(Model) -> AutoGuideList<Model>;

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
