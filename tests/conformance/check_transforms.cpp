// SPDX-License-Identifier: Apache-2.0
// transforms.json: transform_to and biject_to for each constraint: the transform's structure,
// its event dims, forward values with log|det J|, and inverse values.
#include <pplx/distributions/constraints.h>
#include <pplx/distributions/transforms.h>
#include <pplx/error.h>

#include "conformance.h"

namespace pplx {
namespace conformance {
namespace {

using transforms::TransformPtr;

constraints::ConstraintPtr constraint_from_json(const Json& c) {
  std::vector<double> args;
  if (const Json* lb = c.find("lower_bound")) args.push_back(lb->as_double());
  if (const Json* ub = c.find("upper_bound")) args.push_back(ub->as_double());
  return constraints::from_name(c["name"].as_string(), args);
}

// Compares the transform's structure with a DESC object (type, affine parameters, compose parts).
void compare_desc(Checks& checks, const std::string& what, const TransformPtr& t, const Json& desc) {
  const std::string& type = desc["type"].as_string();
  if (t->name() != type) {
    checks.fail(what + ": type '" + t->name() + "', expected '" + type + "'");
    return;
  }
  if (type == "affine") {
    auto a = std::dynamic_pointer_cast<const transforms::AffineTransform>(t);
    if (!a) return checks.fail(what + ": named affine but not an AffineTransform");
    expect_close(checks, what + ".loc", a->loc(), desc["loc"]);
    expect_close(checks, what + ".scale", a->scale(), desc["scale"]);
    if (a->event_dim() != desc["event_dim"].as_int())
      checks.fail(what + ".event_dim: " + std::to_string(a->event_dim()));
  } else if (type == "compose") {
    auto c = std::dynamic_pointer_cast<const transforms::ComposeTransform>(t);
    if (!c) return checks.fail(what + ": named compose but not a ComposeTransform");
    const auto& parts = desc["parts"].as_array();
    if (c->parts().size() != parts.size())
      return checks.fail(what + ": " + std::to_string(c->parts().size()) + " parts, expected " +
                         std::to_string(parts.size()));
    for (size_t i = 0; i < parts.size(); ++i)
      compare_desc(checks, what + ".parts[" + std::to_string(i) + "]", c->parts()[i], parts[i]);
  }
}

void check_record(Checks& checks, const TransformPtr& t, const Json& rec) {
  compare_desc(checks, "transform", t, rec["transform"]);
  if (t->domain_event_dim() != rec["domain_event_dim"].as_int())
    checks.fail("domain_event_dim " + std::to_string(t->domain_event_dim()));
  if (t->codomain_event_dim() != rec["codomain_event_dim"].as_int())
    checks.fail("codomain_event_dim " + std::to_string(t->codomain_event_dim()));
  const auto& fwd = rec["forward"].as_array();
  for (size_t i = 0; i < fwd.size(); ++i) {
    const std::string at = "forward[" + std::to_string(i) + "]";
    auto x = tensor_from_json(fwd[i]["x"]);
    auto y = t->forward(x);
    expect_close(checks, at + ".y", y, fwd[i]["y"]);
    const Json& ladj = fwd[i]["log_abs_det_jacobian"];
    if (ladj.is_null())
      expect_throws<NotImplementedError>(checks, at + ".log_abs_det_jacobian (undefined in torch)",
                                         [&] { t->log_abs_det_jacobian(x, y); });
    else expect_close(checks, at + ".log_abs_det_jacobian", t->log_abs_det_jacobian(x, y), ladj);
  }
  const auto& inv = rec["inverse"].as_array();
  for (size_t i = 0; i < inv.size(); ++i)
    expect_close(checks, "inverse[" + std::to_string(i) + "].x", t->inverse(tensor_from_json(inv[i]["y"])),
                 inv[i]["x"]);
}

void run_transforms(const Json& doc, Report& report) {
  for (const Json& c : doc["cases"].as_array()) {
    const std::string name = constraint_from_json(c["constraint"])->describe();
    for (const char* registry : {"transform_to", "biject_to"}) {
      const Json& rec = c[registry];
      report.check(std::string(registry) + "(" + name + ")", [&](Checks& checks) {
        auto constraint = constraint_from_json(c["constraint"]);
        auto lookup = [&] {
          return std::string(registry) == "transform_to" ? transforms::transform_to(constraint)
                                                         : transforms::biject_to(constraint);
        };
        if (rec.is_null()) {
          expect_throws<NotImplementedError>(checks, "lookup (none registered in torch)", lookup);
          return;
        }
        check_record(checks, lookup(), rec);
      });
    }
  }
}

const RegisterChecker registered_transforms{
    {"transforms", [](const Json& d) { return d.contains("param_store_registry") && d.contains("cases"); },
     run_transforms}};

}  // namespace
}  // namespace conformance
}  // namespace pplx
