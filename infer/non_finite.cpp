// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/non_finite.h>

#include <ATen/ATen.h>

namespace pplx {
namespace infer {
namespace {

// "in [min, max]" of a tensor (NaNs are reported separately: min/max would propagate them).
std::string range(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  if (t.numel() == 0) return "empty";
  at::Tensor x = t.detach().to(at::kDouble);
  at::Tensor finite = x.isfinite();
  std::string out = pplx::detail::str("shape ", distributions::shape_str(t.sizes()));
  const int64_t n_nan = x.isnan().sum().item<int64_t>();
  const int64_t n_inf = x.isinf().sum().item<int64_t>();
  if (finite.any().item<bool>()) {
    at::Tensor f = x.masked_select(finite);
    out += pplx::detail::str(", in [", f.min().item<double>(), ", ", f.max().item<double>(), "]");
  }
  if (n_nan) out += pplx::detail::str(", ", n_nan, " NaN");
  if (n_inf) out += pplx::detail::str(", ", n_inf, " inf");
  return out;
}

// The statistics every distribution may define; a family without them is simply skipped.
std::string stat(const char* what, const distributions::Distribution& d,
                 at::Tensor (distributions::Distribution::*f)() const) {
  try {
    return pplx::detail::str("; ", what, " ", range((d.*f)()));
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

std::string describe_non_finite_site(const Trace& trace, const char* which) {
  for (const auto& s : trace) {
    if (s.type != SiteType::sample || !s.log_prob.defined()) continue;
    at::Tensor lp = s.unscaled_log_prob.defined() ? s.unscaled_log_prob : s.log_prob;
    at::Tensor bad = lp.detach().isfinite().logical_not();
    const int64_t n_bad = bad.sum().item<int64_t>();
    if (n_bad == 0 && std::isfinite(s.log_prob_sum.item<double>())) continue;
    const auto& d = *s.fn;
    std::string out = pplx::detail::str(which, " site '", s.name, "' (", d.name(), ", batch_shape ",
                                        distributions::shape_str(d.batch_shape()), ", event_shape ",
                                        distributions::shape_str(d.event_shape()), s.is_observed ? ", observed" : "",
                                        "): log_prob is not finite at ", n_bad, " of ", lp.numel(), " elements");
    if (n_bad > 0) {
      at::Tensor flat = lp.detach().reshape({-1});
      at::Tensor first = bad.reshape({-1}).nonzero().select(1, 0);
      out += pplx::detail::str(" (first at flat index ", first[0].item<int64_t>(), ": ", flat[first[0]].item<double>(),
                               ")");
    } else {
      out += pplx::detail::str(" (each element is finite but their sum overflows, or scale ", s.scale, " is not)");
    }
    out += pplx::detail::str("; value ", range(s.value));
    out += stat("mean", d, &distributions::Distribution::mean);
    out += stat("variance", d, &distributions::Distribution::variance);
    return out;
  }
  return {};
}

}  // namespace infer
}  // namespace pplx
