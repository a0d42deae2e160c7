// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/autoguide/initialization.h>

#include <utility>

#include <c10/core/GradMode.h>

#include <pplx/distributions/independent.h>
#include <pplx/distributions/masked.h>
#include <pplx/error.h>
#include <pplx/infer/autoguide/utils.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace autoguide {
namespace {

// Pyro's _is_multivariate: the median is undefined when an event has more than one element.
bool is_multivariate(const distributions::Distribution* d) {
  for (;;) {
    if (auto ind = dynamic_cast<const distributions::Independent*>(d)) d = ind->base_dist().get();
    else if (auto m = dynamic_cast<const distributions::MaskedDistribution*>(d)) d = m->base_dist().get();
    else break;
  }
  for (int64_t s : d->event_shape())
    if (s > 1) return true;
  return false;
}

// A candidate init is usable when it is finite where the support is real and inside the support
// (Pyro's torch_isnan test plus _validate_sample, which checks even with validation off).
bool usable(const at::Tensor& v, const Message& site) {
  if (!v.defined() || at::isnan(v).any().item<bool>()) return false;
  return site.fn->support()->all_hold(v);
}

at::Tensor use_fallback(const InitLocFn& fallback, const Message& site, const char* strategy) {
  PPLX_CHECK_AS(ValueError, static_cast<bool>(fallback), strategy, ": no init strategy specified for site '", site.name,
                "' and no fallback given");
  return fallback(site);
}

}  // namespace

InitLocFn init_to_feasible() {
  return [](const Message& site) {
    auto t = detail::feasible_transform(site);
    auto x = site.fn->sample().detach();
    return t->forward(at::zeros_like(t->inverse(x)));
  };
}

InitLocFn init_to_sample() {
  return [](const Message& site) { return site.fn->sample().detach(); };
}

InitLocFn init_to_median(int64_t num_samples, InitLocFn fallback) {
  PPLX_CHECK_AS(ValueError, num_samples >= 1, "init_to_median: num_samples must be >= 1, got ", num_samples);
  return [num_samples, fallback = std::move(fallback)](const Message& site) {
    if (is_multivariate(site.fn.get())) return init_to_feasible()(site);
    try {
      auto samples = site.fn->sample({num_samples}).detach();
      // torch's median: the lower of the two middle values for an even count, as Pyro's.
      auto value = std::get<0>(samples.median(0));
      if (usable(value, site)) return value;
    } catch (const NotImplementedError&) {
    } catch (const ValueError&) {
    }
    return use_fallback(fallback, site, "init_to_median");
  };
}

InitLocFn init_to_mean(InitLocFn fallback) {
  return [fallback = std::move(fallback)](const Message& site) {
    try {
      auto value = site.fn->mean().detach();
      // mean() may be broadcast-free (a Normal's loc before a plate expanded it).
      value = value.expand(site.fn->extended_shape()).clone();
      if (usable(value, site)) return value;
    } catch (const NotImplementedError&) {
    } catch (const ValueError&) {
    }
    return use_fallback(fallback, site, "init_to_mean");
  };
}

InitLocFn init_to_uniform(double radius) {
  PPLX_CHECK_AS(ValueError, radius > 0, "init_to_uniform: radius must be > 0, got ", radius);
  return [radius](const Message& site) {
    auto t = detail::feasible_transform(site);
    auto x = site.fn->sample().detach();
    return t->forward(at::rand_like(t->inverse(x)) * (2 * radius) - radius);
  };
}

InitLocFn init_to_value(handlers::TensorMap values, InitLocFn fallback) {
  return [values = std::move(values), fallback = std::move(fallback)](const Message& site) {
    auto it = values.find(site.name);
    if (it != values.end()) return it->second.detach();
    return use_fallback(fallback, site, "init_to_value");
  };
}

InitMessenger::InitMessenger(InitLocFn init_loc_fn) : Messenger("init"), init_loc_fn_(std::move(init_loc_fn)) {
  PPLX_CHECK_AS(ValueError, static_cast<bool>(init_loc_fn_), "InitMessenger: init_loc_fn is empty");
}

void InitMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::sample || msg.done || msg.value.defined() || !msg.fn) return;
  at::Tensor value;
  {
    c10::NoGradGuard no_grad;
    try {
      value = init_loc_fn_(msg);
    } catch (const NotImplementedError& e) {
      detail::check_continuous_support(msg, "the autoguide's init strategy");
      throw ValueError("init strategy for site '", msg.name, "': ", e.what());
    }
  }
  const auto expected = msg.fn->extended_shape();
  PPLX_CHECK_AS(ShapeError, value.defined() && value.sizes() == c10::IntArrayRef(expected), "init strategy for site '",
                msg.name, "' (", msg.fn->name(), ") returned ",
                value.defined() ? distributions::shape_str(value.sizes()) : std::string("an undefined tensor"),
                " but the site has shape ", distributions::shape_str(expected),
                " (batch_shape including its plates, then event_shape)");
  msg.value = value;
  msg.done = true;
}

}  // namespace autoguide
}  // namespace infer
}  // namespace pplx
