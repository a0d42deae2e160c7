// SPDX-License-Identifier: Apache-2.0
#include <pplx/infer/site_checks.h>

#include <algorithm>
#include <string>
#include <vector>

#include <pplx/error.h>
#include <pplx/validation.h>

namespace pplx {
namespace infer {
namespace detail {
namespace {

// These checks run at every step on every site: they read shapes only (no tensor data, no
// device sync) and allocate nothing unless they are about to throw.

// Size of a right-aligned shape at position i (1 = rightmost); 1 beyond its left end.
int64_t size_from_right(c10::IntArrayRef shape, size_t i) { return i <= shape.size() ? shape[shape.size() - i] : 1; }

// The batch part of `value` (all but the event dims), as a view of its sizes.
c10::IntArrayRef value_batch(const Site& s) {
  const auto vs = s.value.sizes();
  const size_t ed = static_cast<size_t>(s.fn->event_dim());
  return vs.size() >= ed ? vs.slice(0, vs.size() - ed) : c10::IntArrayRef();
}

// Size at position i of the log-density's batch shape: the value's batch part broadcast with
// batch_shape and with the mask a handler put on the site (scale_and_mask broadcasts it in).
int64_t log_prob_size(c10::IntArrayRef value_batch, c10::IntArrayRef batch, c10::IntArrayRef mask, size_t i) {
  int64_t out = 1;
  for (int64_t v : {size_from_right(value_batch, i), size_from_right(batch, i), size_from_right(mask, i)})
    if (v != 1) out = v;
  return out;
}

const PlateFrame* plate_at(const std::vector<PlateFrame>& plates, int64_t dim) {
  for (const auto& f : plates)
    if (f.dim == dim) return &f;
  return nullptr;
}

std::string describe_plates(const std::vector<PlateFrame>& plates) {
  if (plates.empty()) return "none";
  std::string out;
  for (const auto& f : plates)
    out += pplx::detail::str(out.empty() ? "" : ", ", f.name, "(size ", f.subsample_size, ", dim ", f.dim, ")");
  return out;
}

std::string describe_fn(const Site& s) {
  return pplx::detail::str(s.fn->name(), " with batch_shape ", distributions::shape_str(s.fn->batch_shape()),
                           " and event_shape ", distributions::shape_str(s.fn->event_shape()));
}

std::vector<int64_t> full_shape(const Site& s) {
  std::vector<int64_t> out(s.fn->batch_shape().begin(), s.fn->batch_shape().end());
  out.insert(out.end(), s.fn->event_shape().begin(), s.fn->event_shape().end());
  return out;
}

void check_latent_shapes(const Site& m, const Site& g, c10::optional<int64_t> max_plate_nesting) {
  const int64_t ed = m.fn->event_dim();
  PPLX_CHECK_AS(ShapeError, ed == g.fn->event_dim(),
                "ELBO: model and guide disagree on the event dims of latent site '", m.name, "': the model's ",
                describe_fn(m), " (event_dim ", ed, "), the guide's ", describe_fn(g), " (event_dim ",
                g.fn->event_dim(),
                "). Give the guide's distribution the model's event shape, e.g. "
                "the same .to_event(n)");
  // Compared right-aligned over batch_shape + event_shape; a dim one side lacks counts as 1.
  const auto mb = m.fn->batch_shape(), gb = g.fn->batch_shape();
  const auto me = m.fn->event_shape(), ge = g.fn->event_shape();
  size_t n = std::max(mb.size(), gb.size()) + static_cast<size_t>(ed);
  if (max_plate_nesting) n = std::min(n, static_cast<size_t>(*max_plate_nesting + ed));
  for (size_t i = 1; i <= n; ++i) {
    const bool event = i <= static_cast<size_t>(ed);
    const int64_t a = event ? size_from_right(me, i) : size_from_right(mb, i - ed);
    const int64_t b = event ? size_from_right(ge, i) : size_from_right(gb, i - ed);
    if (a == b) continue;
    throw ShapeError("ELBO: model and guide shapes disagree at latent site '", m.name, "': model ",
                     distributions::shape_str(full_shape(m)), " vs guide ", distributions::shape_str(full_shape(g)),
                     " (batch_shape + "
                     "event_shape), size ",
                     a, " vs ", b, " at dim -", i, ". Model: ", describe_fn(m), ", plates: ", describe_plates(m.plates),
                     ". Guide: ", describe_fn(g), ", plates: ", describe_plates(g.plates),
                     ". Sample the guide's site inside the same plates, with the model's batch and event shape");
  }
}

void check_guide_plates(const Trace& model, const Trace& guide) {
  for (const auto& g : guide) {
    if (g.type != SiteType::plate) continue;
    const Site* m = model.find(g.name);
    if (m && m->type == SiteType::plate) continue;
    std::string model_plates;
    for (const auto& s : model)
      if (s.type == SiteType::plate) model_plates += (model_plates.empty() ? "" : ", ") + s.name;
    throw SiteError(
        "ELBO: the guide uses plate '", g.name, "' (size ", g.plate_size, ", subsample ", g.plate_subsample_size,
        ") but the model has no plate of that name; model plates: ", model_plates.empty() ? "none" : model_plates,
        ". Every plate of the guide must also be in the model (Pyro's check_model_guide_match): add it to the model "
        "around the same sites, or remove it from the guide");
  }
}

}  // namespace

void check_model_guide_match(const Trace& model, const Trace& guide, c10::optional<int64_t> max_plate_nesting) {
  const bool validate = is_validation_enabled();
  for (const auto& g : guide) {
    if (!is_latent(g)) continue;
    const Site* m = model.find(g.name);
    if (!m || m->type != SiteType::sample)
      throw SiteError("ELBO: the guide samples latent site '", g.name, "' (", g.fn->name(), ", batch_shape ",
                      distributions::shape_str(g.fn->batch_shape()),
                      ") but the model has no sample site of that name; model "
                      "sites: ",
                      model.site_names(),
                      ". Rename the guide's site to match the model's, or mark it auxiliary "
                      "(SampleOptions().infer(...is_auxiliary = true))");
    PPLX_CHECK_AS(SiteError, !m->is_observed || m->infer.is_auxiliary, "ELBO: site '", g.name,
                  "' is latent in the guide but observed in the model; the guide must not sample observed sites");
    if (validate && is_latent(*m)) check_latent_shapes(*m, g, max_plate_nesting);
  }
  if (validate) check_guide_plates(model, guide);
}

void check_site_shape(const Site& s, const char* role, c10::optional<int64_t> max_plate_nesting) {
  if (s.type != SiteType::sample || s.infer.is_deterministic || !s.fn || !s.value.defined()) return;
  const auto vb = value_batch(s);
  const auto db = s.fn->batch_shape();
  const auto mb = s.mask.defined() ? s.mask.sizes() : c10::IntArrayRef();
  const size_t rank = std::max({vb.size(), db.size(), mb.size()});
  // As in Pyro, a dim right of the site's leftmost plate that none of its plates declares is not
  // checked: it may come from a plate the site's inputs were drawn in (a per-component parameter
  // broadcast into the data plate's likelihood). Left of every plate, sizes must be 1.
  size_t span = 0;
  for (const auto& f : s.plates) span = std::max(span, static_cast<size_t>(-f.dim));
  size_t n = std::max(rank, span);
  if (max_plate_nesting) n = std::min(n, static_cast<size_t>(*max_plate_nesting));
  for (size_t i = 1; i <= n; ++i) {
    const int64_t dim = -static_cast<int64_t>(i);
    const PlateFrame* f = plate_at(s.plates, dim);
    if (!f && i <= span) continue;
    const int64_t actual = log_prob_size(vb, db, mb, i);
    const int64_t expected = f ? f->subsample_size : 1;
    if (actual == expected) continue;
    std::vector<int64_t> shape(rank);
    for (size_t j = 1; j <= rank; ++j) shape[rank - j] = log_prob_size(vb, db, mb, j);
    const std::string why =
        f ? pplx::detail::str("size ", actual, " at dim ", dim, " where plate '", f->name, "' has size ", expected)
          : pplx::detail::str("size ", actual, " at dim ", dim,
                              ", left of every enclosing plate, which no enclosing "
                              "plate declares");
    throw ShapeError("sample site '", s.name, "' (", role, "): its log-density has batch shape ",
                     distributions::shape_str(shape), " (value ", distributions::shape_str(s.value.sizes()), ", ",
                     describe_fn(s), "), ", why, "; enclosing plates: ", describe_plates(s.plates),
                     ". Every batch dim of size > 1 must belong to a plate: "
                     "enclose the site in a plate at dim ",
                     dim,
                     ", make the dim part of the event with .to_event(), or reshape "
                     "the tensor");
  }
}

void check_site_shapes(const Trace& trace, const char* role, c10::optional<int64_t> max_plate_nesting) {
  if (!is_validation_enabled()) return;
  for (const auto& s : trace) check_site_shape(s, role, max_plate_nesting);
}

}  // namespace detail
}  // namespace infer
}  // namespace pplx
