// SPDX-License-Identifier: Apache-2.0
#include <pplx/optim/pyro_optim.h>

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/optim/optimizer.h>

#include <pplx/error.h>

namespace pplx {
namespace optim {

struct PyroOptim::Slot {
  at::Tensor param;  // the tensor the torch optimizer updates (rebound if the store replaces it)
  std::unique_ptr<torch::optim::Optimizer> opt;
  ClipOptions clip;
  DeviceCounters counters;  // graph_safe_step's step count and lr; undefined until first synced
};

namespace {

// torch.nn.utils.clip_grad_norm_ (torch 1.13), in tensor ops so that no value leaves the device:
// total = ||g||_2 over all `grads`, then g *= min(max_norm / (total + 1e-6), 1). Multiplying by
// exactly 1.0 when no clipping is needed is what torch does too.
void scale_by_norm_(const at::Tensor& total, double max_norm, const at::Tensor& g) {
  at::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
  g.mul_(coef.to(g.scalar_type()));
}
void clip_norm_(const at::Tensor& g, double max_norm) { scale_by_norm_(g.norm(), max_norm, g); }
void clip_global_norm_(const std::vector<at::Tensor>& grads, double max_norm) {
  if (grads.empty()) return;
  std::vector<at::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(g.norm());
  at::Tensor total = at::stack(norms).norm();
  for (const auto& g : grads) scale_by_norm_(total, max_norm, g);
}

// Global clipping needs every gradient of the step at once, so it runs before the per-tensor clips.
void clip_global(const NamedTensors& params, const c10::optional<double>& max_norm) {
  if (!max_norm) return;
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.second.grad().defined()) grads.push_back(p.second.grad());
  clip_global_norm_(grads, *max_norm);
}

void clip_one(const at::Tensor& g, const ClipOptions& clip) {
  if (!g.defined()) return;
  if (clip.clip_norm()) clip_norm_(g, *clip.clip_norm());
  if (clip.clip_value()) g.clamp_(-*clip.clip_value(), *clip.clip_value());
}

}  // namespace

namespace detail {

void validate_clip(const ClipOptions& c, const std::string& where) {
  auto check = [&](const c10::optional<double>& v, const char* what) {
    if (v) PPLX_CHECK_AS(ValueError, *v >= 0 && !std::isnan(*v), where, ": ", what, " must be >= 0, got ", *v);
  };
  check(c.clip_norm(), "clip_norm");
  check(c.clip_value(), "clip_value");
  check(c.global_clip_norm(), "global_clip_norm");
}

std::unique_ptr<torch::optim::Optimizer> checked_make(
    const std::string& optimizer, const std::string& param,
    const std::function<std::unique_ptr<torch::optim::Optimizer>()>& make) {
  try {
    return make();
  } catch (const c10::Error& e) {
    throw ValueError("pplx::optim::", optimizer, param.empty() ? "" : " (parameter '", param, param.empty() ? "" : "')",
                     ": invalid options: ", e.what_without_backtrace());
  }
}

}  // namespace detail

PyroOptim::PyroOptim(ClipFn clip, c10::optional<double> global_clip_norm)
    : clip_fn_(std::move(clip)), global_clip_norm_(global_clip_norm) {
  detail::validate_clip(ClipOptions().global_clip_norm(global_clip_norm), "pplx::optim");
}
PyroOptim::~PyroOptim() = default;
PyroOptim::PyroOptim(PyroOptim&&) noexcept = default;
PyroOptim& PyroOptim::operator=(PyroOptim&&) noexcept = default;

PyroOptim::Slot& PyroOptim::slot_for(const std::string& name, const at::Tensor& param) {
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    auto slot = std::make_unique<Slot>();
    slot->clip = clip_fn_ ? clip_fn_(name) : ClipOptions();
    const std::string where = pplx::detail::str("pplx::optim::", this->name(), " (parameter '", name, "')");
    detail::validate_clip(slot->clip, where);
    PPLX_CHECK_AS(ValueError, !slot->clip.global_clip_norm(), where,
                  ": global_clip_norm bounds the joint norm of "
                  "all parameters of a step, so it cannot be chosen per parameter; pass it in fixed ClipOptions");
    slot->param = param;
    slot->opt = make_optimizer(name, param);
    auto& group = slot->opt->param_groups().at(0);
    if (lr_factor_ != 1.0) group.options().set_lr(group.options().get_lr() * lr_factor_);
    apply_pending(name, *slot);
    order_.push_back(name);
    it = slots_.emplace(name, std::move(slot)).first;
    host_ahead_ = true;
    ++state_generation_;
    return *it->second;
  }
  Slot& slot = *it->second;
  rebind(slot, param);
  return slot;
}

void PyroOptim::rebind(Slot& slot, const at::Tensor& param) {
  if (slot.param.is_same(param)) return;
  pull_device_counters();  // the moved state keeps its step count
  // The store replaced the tensor behind this name (ParamStore::load, set). State follows the
  // name, as long as it still fits; a parameter of another shape starts afresh.
  auto& state = slot.opt->state();
  std::unique_ptr<torch::optim::OptimizerParamState> moved;
  if (!state.empty() && slot.param.sizes() == param.sizes()) moved = std::move(state.begin()->second);
  state.clear();
  slot.opt->param_groups().at(0).params().at(0) = param;
  if (moved) state[detail::state_key<std::decay_t<decltype(state)>>(param)] = std::move(moved);
  slot.param = param;
  if (slot.counters.step.defined() && slot.counters.step.device() != param.device()) slot.counters = {};
  host_ahead_ = true;  // a state that starts afresh counts from 0
  ++state_generation_;
}

void PyroOptim::check_params(const NamedTensors& params, const char* method) const {
  PPLX_CHECK(!params.empty(), "pplx::optim::", name(), ".", method,
             ": no parameters to update. The model and guide "
             "have no pplx::param sites (or all of them were substituted): there is nothing to optimize");
  for (const auto& p : params)
    PPLX_CHECK_AS(ValueError, p.second.defined(), "pplx::optim::", name(), ".", method, ": parameter '", p.first,
                  "' is an undefined tensor");
}

void PyroOptim::step(const NamedTensors& params) {
  check_params(params, "step");
  pull_device_counters();
  c10::NoGradGuard no_grad;
  clip_global(params, global_clip_norm_);
  for (const auto& [name, param] : params) {
    Slot& slot = slot_for(name, param);
    clip_one(param.grad(), slot.clip);
    // Stepped even without a gradient: LibTorch skips such parameters, while optimizers with
    // per-step schedules (ClippedAdam's lr decay) advance, as in Pyro.
    const bool had_state = !slot.opt->state().empty();
    slot.opt->step();
    if (!had_state && !slot.opt->state().empty()) ++state_generation_;
  }
  host_ahead_ = true;
}

void PyroOptim::graph_safe_step(const NamedTensors& params, const at::Tensor& apply) {
  PPLX_CHECK(supports_graph_safe_step(), "pplx::optim::", name(),
             ": has no graph-safe step (it keeps per-step values "
             "on the host); Adam, AdamW, SGD and ClippedAdam have one");
  check_params(params, "graph_safe_step");
  PPLX_CHECK_AS(ValueError, apply.defined() && apply.numel() == 1 && apply.scalar_type() == at::kBool,
                "pplx::optim::", name(), ".graph_safe_step: `apply` must be a one-element bool tensor, got ",
                apply.defined() ? distributions::shape_str(apply.sizes()) : std::string("an undefined tensor"));
  // Everything that is host work (finding slots, checking state) happens before any update, so
  // that an error leaves every parameter as it was.
  std::vector<Slot*> slots;
  slots.reserve(params.size());
  for (const auto& [name, param] : params) {
    auto it = slots_.find(name);
    PPLX_CHECK(it != slots_.end(), "pplx::optim::", this->name(), ".graph_safe_step: parameter '", name,
               "' has not been updated by step() yet; its first update creates optimizer state on the host");
    rebind(*it->second, param);
    PPLX_CHECK(graph_safe_ready(*it->second->opt, param), "pplx::optim::", this->name(),
               ".graph_safe_step: parameter '", name,
               "' has a gradient but no optimizer state yet; update it once with step() first");
    slots.push_back(it->second.get());
  }
  // Uploads host changes, if any; reads nothing back (the counters may be ahead of the host, e.g.
  // while a CUDA graph captures this step after an eager graph_safe_step).
  sync_device_counters();
  c10::NoGradGuard no_grad;
  const at::Tensor flag = apply.reshape({});
  clip_global(params, global_clip_norm_);
  for (size_t i = 0; i < params.size(); ++i) {
    clip_one(params[i].second.grad(), slots[i]->clip);
    graph_safe_update(*slots[i]->opt, params[i].second, slots[i]->counters, flag);
  }
  device_ahead_ = true;
}

void PyroOptim::sync_device_counters() {
  if (!host_ahead_) return;
  for (auto& kv : slots_) {
    Slot& slot = *kv.second;
    const double step = static_cast<double>(state_step(*slot.opt));
    const double lr = slot.opt->param_groups().at(0).options().get_lr();
    if (!slot.counters.step.defined()) {
      const auto options = slot.param.options().dtype(at::kDouble);
      slot.counters = {at::full({}, step, options), at::full({}, lr, options)};
    } else {
      slot.counters.step.fill_(step);
      slot.counters.lr.fill_(lr);
    }
  }
  host_ahead_ = false;
}

void PyroOptim::pull_device_counters() const {
  if (!device_ahead_) return;
  for (const auto& kv : slots_) {
    Slot& slot = *kv.second;
    if (!slot.counters.step.defined()) continue;
    if (!slot.opt->state().empty())
      set_state_step(*slot.opt, static_cast<int64_t>(std::llround(slot.counters.step.item<double>())));
    slot.opt->param_groups().at(0).options().set_lr(slot.counters.lr.item<double>());
  }
  device_ahead_ = false;
}

std::vector<std::string> PyroOptim::param_names() const { return order_; }

double PyroOptim::lr(const std::string& name) const {
  pull_device_counters();
  auto it = slots_.find(name);
  PPLX_CHECK_AS(SiteError, it != slots_.end(), "pplx::optim::", this->name(), ": no state for parameter '", name,
                "' (it has not been stepped yet)");
  return it->second->opt->param_groups().at(0).options().get_lr();
}

void PyroOptim::set_lr_factor(double factor) {
  PPLX_CHECK_AS(ValueError, factor > 0 && std::isfinite(factor), "pplx::optim::", name(),
                ": learning-rate factor must be positive and finite, got ", factor);
  pull_device_counters();
  // Multiplying by the ratio (rather than resetting to initial lr * factor) composes with
  // optimizers that change their own lr, such as ClippedAdam's decay, like torch's chainable schedulers.
  const double ratio = factor / lr_factor_;
  for (auto& kv : slots_) {
    auto& o = kv.second->opt->param_groups().at(0).options();
    o.set_lr(o.get_lr() * ratio);
  }
  lr_factor_ = factor;
  host_ahead_ = true;
}

void PyroOptim::save(const std::string& path) const {
  pull_device_counters();
  std::vector<io::Record> records;
  records.push_back({"", "optimizer=" + name(), at::scalar_tensor(lr_factor_, at::kDouble)});
  std::vector<std::pair<std::string, at::Tensor>> fields;
  for (const auto& n : order_) {
    auto& slot = *slots_.at(n);
    fields.clear();
    fields.emplace_back("lr", at::scalar_tensor(slot.opt->param_groups().at(0).options().get_lr(), at::kDouble));
    if (!slot.opt->state().empty()) save_state(*slot.opt, fields);
    for (auto& f : fields) records.push_back({n, f.first, f.second.detach().cpu().contiguous()});
  }
  // State loaded for parameters that have not appeared since is saved too, so load+save loses nothing.
  for (const auto& kv : pending_)
    if (!slots_.count(kv.first))
      for (const auto& f : kv.second) records.push_back({kv.first, f.first, f.second});
  io::write_archive(path, "optim", records);
}

void PyroOptim::load(const std::string& path) {
  auto records = io::read_archive(path, "optim");
  PPLX_CHECK_AS(IOError, !records.empty() && records[0].name.empty() && records[0].meta.rfind("optimizer=", 0) == 0,
                "'", path, "': not an optimizer state file (missing header record)");
  const std::string saved = records[0].meta.substr(10);
  PPLX_CHECK_AS(IOError, saved == name(), "'", path, "': holds state of a ", saved, " optimizer, but this is ", name());
  std::unordered_map<std::string, std::vector<std::pair<std::string, at::Tensor>>> loaded;
  std::vector<std::string> names;
  for (size_t i = 1; i < records.size(); ++i) {
    auto& r = records[i];
    if (!loaded.count(r.name)) names.push_back(r.name);
    loaded[r.name].emplace_back(r.meta, r.tensor);
  }
  // Check shapes against known parameters before changing anything, so a bad file changes nothing.
  for (const auto& kv : loaded) {
    auto it = slots_.find(kv.first);
    if (it == slots_.end()) continue;
    for (const auto& f : kv.second)
      if (f.first != "lr" && f.first != "step" && f.second.dim() > 0)
        PPLX_CHECK_AS(IOError, f.second.sizes() == it->second->param.sizes(), "'", path, "': state '", f.first,
                      "' of parameter '", kv.first, "' has shape ", distributions::shape_str(f.second.sizes()),
                      " but the parameter has shape ", distributions::shape_str(it->second->param.sizes()));
  }
  const double factor = records[0].tensor.item<double>();
  PPLX_CHECK_AS(IOError, factor > 0 && std::isfinite(factor), "'", path, "': invalid learning-rate factor ", factor);
  pull_device_counters();  // parameters the file does not name keep their device-side counts
  lr_factor_ = factor;
  pending_ = std::move(loaded);
  for (const auto& n : names) {
    auto it = slots_.find(n);
    if (it != slots_.end()) apply_pending(n, *it->second);
  }
}

void PyroOptim::apply_pending(const std::string& name, Slot& slot) {
  auto it = pending_.find(name);
  if (it == pending_.end()) return;
  auto fields = std::move(it->second);
  pending_.erase(it);
  slot.opt->state().clear();
  std::vector<std::pair<std::string, at::Tensor>> state_fields;
  for (auto& f : fields) {
    if (f.first == "lr") {
      slot.opt->param_groups().at(0).options().set_lr(f.second.item<double>());
    } else {
      PPLX_CHECK_AS(IOError, f.second.dim() == 0 || f.second.sizes() == slot.param.sizes(), "optimizer state '",
                    f.first, "' of parameter '", name, "' has shape ", distributions::shape_str(f.second.sizes()),
                    " but the parameter has shape ", distributions::shape_str(slot.param.sizes()));
      state_fields.emplace_back(f.first,
                                f.second.dim() == 0 ? f.second : f.second.to(slot.param.options()).contiguous());
    }
  }
  if (!state_fields.empty()) load_state(*slot.opt, slot.param, state_fields);
  host_ahead_ = true;
  ++state_generation_;
}

namespace detail {
// Shared by the wrappers: puts `state` in `opt` for its single parameter.
void install_state(torch::optim::Optimizer& opt, const at::Tensor& param,
                   std::unique_ptr<torch::optim::OptimizerParamState> state) {
  auto& map = opt.state();
  map.clear();
  map[state_key<std::decay_t<decltype(map)>>(param)] = std::move(state);
}
}  // namespace detail

}  // namespace optim
}  // namespace pplx
