// SPDX-License-Identifier: Apache-2.0
#include <pplx/trace.h>

#include <ATen/ATen.h>

#include <pplx/error.h>
#include <pplx/plate.h>

namespace pplx {

bool is_latent(const Site& s) {
  return s.type == SiteType::sample && !s.is_observed && !s.infer.is_auxiliary && !s.infer.is_deterministic;
}

bool adds_to_log_density(const Site& s) { return s.type == SiteType::sample && !s.infer.is_deterministic; }

NamedTensors named_params(const Trace& trace) {
  NamedTensors out;
  for (const auto& s : trace)
    if (s.type == SiteType::param && s.unconstrained.defined()) out.emplace_back(s.name, s.unconstrained);
  return out;
}

at::Tensor scale_and_mask(const at::Tensor& lp, double scale, const at::Tensor& mask) {
  at::Tensor out = scale == 1.0 ? lp : lp * scale;
  if (mask.defined()) out = at::where(mask.to(lp.device()), out, at::zeros({}, out.options()));
  return out;
}

void Trace::add(const Message& msg) {
  auto it = index_.find(msg.name);
  if (it != index_.end()) {
    Site& old = sites_[it->second];
    PPLX_CHECK_AS(SiteError, old.type == msg.type, "trace: site '", msg.name, "' is used both as a ",
                  to_string(old.type), " site and as a ", to_string(msg.type), " site; give them distinct names");
    switch (msg.type) {
      case SiteType::sample:
        throw SiteError("trace: multiple sample sites named '", msg.name,
                        "'; every sample site in one run of a model or guide needs a unique name (in "
                        "loops, append the index: \"z_\" + std::to_string(i))");
      case SiteType::param:
        old = msg;  // Pyro overwrites: the latest read of a param is what the trace shows
        return;
      case SiteType::plate:
        detail::check_plate_reentered(old, msg);  // the first record stands
        return;
    }
  }
  index_.emplace(msg.name, sites_.size());
  sites_.push_back(msg);
}

const Site* Trace::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &sites_[it->second];
}
Site* Trace::find(const std::string& name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &sites_[it->second];
}
const Site& Trace::at(const std::string& name) const {
  const Site* s = find(name);
  PPLX_CHECK_AS(SiteError, s != nullptr, "trace has no site '", name, "'; its sites are: ", site_names());
  return *s;
}
Site& Trace::at(const std::string& name) { return const_cast<Site&>(static_cast<const Trace&>(*this).at(name)); }

void Trace::clear() {
  sites_.clear();
  index_.clear();
}

std::string Trace::site_names() const {
  std::string out;
  for (const auto& s : sites_) out += (out.empty() ? "" : ", ") + s.name;
  return out.empty() ? "(none)" : out;
}

void Trace::compute_log_prob(const std::function<bool(const Site&)>& site_filter) {
  for (auto& s : sites_) {
    if (s.type != SiteType::sample || s.log_prob_sum.defined()) continue;
    if (site_filter && !site_filter(s)) continue;
    auto what = [&](const std::exception& e) {
      return pplx::detail::str("error computing log_prob at sample site '", s.name, "' (", s.fn->name(),
                               ", batch_shape ", distributions::shape_str(s.fn->batch_shape()), ", event_shape ",
                               distributions::shape_str(s.fn->event_shape()), ", value shape ",
                               distributions::shape_str(s.value.sizes()), "): ", e.what());
    };
    // Keep the error's type, so callers can still catch a ShapeError or a ValueError.
    try {
      s.unscaled_log_prob = s.fn->log_prob(s.value);
    } catch (const Error&) {
      rethrow_with_message(what);
    } catch (const std::exception& e) {  // e.g. a c10::Error from a LibTorch op
      throw Error(what(e));
    }
    s.log_prob = scale_and_mask(s.unscaled_log_prob, s.scale, s.mask);
    // A 0-dim log_prob (an event-only site, e.g. a weight tensor under to_event) is its own sum:
    // no extra reduction and no extra backward node.
    s.log_prob_sum = s.log_prob.dim() == 0 ? s.log_prob : s.log_prob.sum();
  }
}

at::Tensor Trace::log_prob_sum(const std::function<bool(const Site&)>& site_filter) {
  compute_log_prob(site_filter);
  at::Tensor total;
  for (const auto& s : sites_) {
    if (s.type != SiteType::sample || !s.log_prob_sum.defined()) continue;
    if (site_filter && !site_filter(s)) continue;
    total = total.defined() ? total + s.log_prob_sum : s.log_prob_sum;
  }
  return total.defined() ? total : at::zeros({}, at::kDouble);
}

}  // namespace pplx
