// SPDX-License-Identifier: Apache-2.0
#include <pplx/handlers/lift.h>

#include <pplx/error.h>

namespace pplx {

Priors::Priors(const distributions::Distribution& prior) : all_(prior.clone()) {}
Priors::Priors(distributions::DistPtr prior) : all_(std::move(prior)) {
  PPLX_CHECK_AS(ValueError, all_ != nullptr, "Priors: null distribution");
}
Priors::Priors(std::map<std::string, distributions::DistPtr> by_name) : by_name_(std::move(by_name)), is_map_(true) {
  for (const auto& kv : by_name_)
    PPLX_CHECK_AS(ValueError, kv.second != nullptr, "Priors: null distribution for parameter '", kv.first, "'");
}
Priors::Priors(Fn fn) : fn_(std::move(fn)) {}

distributions::DistPtr Priors::for_param(const std::string& name, const at::Tensor& value) const {
  distributions::DistPtr d;
  if (fn_) {
    d = fn_(name, value);
  } else if (is_map_) {
    auto it = by_name_.find(name);
    if (it != by_name_.end()) d = it->second;
  } else {
    d = all_;
  }
  if (!d || !value.defined()) return d;
  // A prior built from plain numbers lives on the CPU; its draws must land on the parameter's
  // device (a no-op for parameters already there). Build priors on the device to skip the move.
  if (!value.device().is_cpu()) d = d->to(at::TensorOptions().device(value.device()));
  // One shape-less prior for a shaped parameter: broadcast it to the parameter, one event.
  if (d->batch_shape().empty() && d->event_shape().empty() && value.dim() > 0)
    return d->expand(value.sizes())->to_event(value.dim());
  return d;
}

std::vector<std::string> Priors::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : by_name_) out.push_back(kv.first);
  return out;
}

std::string user_param_name(const std::string& site_name) {
  auto pos = site_name.find(kModuleSeparator);
  return pos == std::string::npos ? site_name : site_name.substr(pos + 3);
}

namespace handlers {

void LiftMessenger::process_message(Message& msg) {
  if (msg.type != SiteType::param) return;
  auto seen = drawn_.find(msg.name);
  if (seen != drawn_.end()) {
    // A repeated read of a lifted parameter: the same draw, as an observed site that stops here
    // so that outer handlers (trace) see the random variable once (Pyro's lift does the same).
    msg.type = SiteType::sample;
    msg.fn = seen->second.fn;
    msg.value = seen->second.value;
    msg.is_observed = true;
    msg.infer = InferConfig();
    msg.done = true;
    msg.stop = true;
    return;
  }
  at::Tensor current = msg.init.defined() ? msg.init : (msg.init_fn ? msg.init_fn() : at::Tensor());
  auto prior = priors_.for_param(user_param_name(msg.name), current);
  if (!prior) return;
  // From here on the site is a random variable: outer handlers (trace, replay) see a sample site.
  msg.type = SiteType::sample;
  msg.fn = std::move(prior);
  msg.is_observed = false;
  msg.infer = InferConfig();
  msg.value = at::Tensor();
  msg.done = false;
  lifting_ = msg.name;
}

void LiftMessenger::postprocess_message(Message& msg) {
  // The message lifted above, back with its final value (drawn, or set by an outer replay).
  // Recorded only now, so that a read that threw on its way out draws afresh next time.
  if (lifting_.empty() || msg.type != SiteType::sample || msg.name != lifting_) return;
  drawn_[lifting_] = Drawn{msg.fn, msg.value};
  lifting_.clear();
}

}  // namespace handlers
}  // namespace pplx
