// SPDX-License-Identifier: Apache-2.0
#include <pplx/prior.h>

#include <pplx/error.h>

namespace pplx {
namespace {

namespace dist = distributions;

// A distribution stored in the prior is built once, typically from plain numbers on the CPU; its
// draws must land on the parameter's device (a no-op for parameters on the CPU). A function prior
// sees the parameter and builds on its device itself (nn::priors do), so it is left as it is.
dist::DistPtr on_device_of(const dist::DistPtr& d, const at::Tensor& like) {
  if (!d || !like.defined() || like.device().is_cpu()) return d;
  return d->to(at::TensorOptions().device(like.device()));
}

std::string names_of(const std::map<std::string, dist::DistPtr>& by_name) {
  std::string out;
  for (const auto& kv : by_name) out += (out.empty() ? "" : ", ") + kv.first;
  return out;
}

}  // namespace

Prior::Prior(const distributions::Distribution& d) : Prior(d.clone()) {}

Prior::Prior(distributions::DistPtr d) {
  PPLX_CHECK_AS(ValueError, d != nullptr, "Prior: null distribution; give one for every parameter, or a map by name");
  description_ = d->name();
  fn_ = [d](const std::string&, const at::Tensor& like) { return on_device_of(d, like); };
}

Prior::Prior(std::map<std::string, distributions::DistPtr> by_name) : is_map_(true) {
  for (const auto& kv : by_name) {
    PPLX_CHECK_AS(ValueError, kv.second != nullptr, "Prior: null distribution for parameter '", kv.first,
                  "'; leave the name out of the map to keep the parameter without a prior");
    keys_.push_back(kv.first);
  }
  description_ = "by name (" + names_of(by_name) + ")";
  fn_ = [by_name = std::move(by_name)](const std::string& name, const at::Tensor& like) -> dist::DistPtr {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : on_device_of(it->second, like);
  };
}

Prior::Prior(Fn fn, std::string description, int64_t num_mc_samples)
    : description_(std::move(description)), num_mc_samples_(num_mc_samples) {
  PPLX_CHECK_AS(ValueError, fn != nullptr, "Prior '", description_, "': null function");
  // A function sees the parameter's value, not its gradient: a prior built from it (centred on
  // pretrained weights, say) must not pull on the parameter through the ELBO.
  fn_ = [fn = std::move(fn)](const std::string& name, const at::Tensor& like) {
    return fn(name, like.defined() ? like.detach() : like);
  };
  PPLX_CHECK_AS(ValueError, num_mc_samples_ >= 1, "Prior '", description_, "': num_mc_samples must be >= 1, got ",
                num_mc_samples_);
}

distributions::DistPtr Prior::for_param(const std::string& name, const at::Tensor& like) const {
  dist::DistPtr d = fn_(name, like);
  if (!d || !like.defined()) return d;
  // One rule for every form: a shapeless distribution is broadcast to the parameter, one whose
  // batch (and event) shape is the parameter's has its batch dims made event dims. Either way
  // the parameter is one random variable, one sample site, with no batch dim left for a plate check.
  if (d->batch_shape().empty() && d->event_shape().empty() && like.dim() > 0)
    return d->expand(like.sizes())->to_event(like.dim());
  const std::vector<int64_t> batch = d->batch_shape().vec(), event = d->event_shape().vec();
  if (!batch.empty()) d = d->to_event(static_cast<int64_t>(batch.size()));
  PPLX_CHECK_AS(ShapeError, d->event_shape() == like.sizes(), "prior ", description_, " for parameter '", name,
                "': the distribution ", d->name(), " has batch_shape ", dist::shape_str(batch), " and event_shape ",
                dist::shape_str(event), " but the parameter has shape ", dist::shape_str(like.sizes()),
                "; give a distribution with empty shape (applied to every element) or the parameter's shape");
  return d;
}

std::vector<std::string> Prior::keys() const { return keys_; }

std::string user_param_name(const std::string& site_name) {
  auto pos = site_name.find(kModuleSeparator);
  return pos == std::string::npos ? site_name
                                  : site_name.substr(pos + std::char_traits<char>::length(kModuleSeparator));
}

}  // namespace pplx
