// SPDX-License-Identifier: Apache-2.0
// Checks follow torch.distributions.constraints (torch 1.13): NaN fails every check.
#include <pplx/distributions/constraints.h>

#include <cmath>
#include <limits>
#include <sstream>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace constraints {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// Integer sets have integer bounds, as torch's (Python ints there).
at::Tensor bound_tensor(double b, bool integer) {
  return std::isnan(b) ? at::Tensor()
                       : at::scalar_tensor(b, at::TensorOptions().dtype(integer ? at::kLong : at::kDouble));
}

// Elementwise constraints share one shape: a name, a predicate, optional scalar bounds.
// How all_hold() bounds a tensor with one reduction: by its minimum, or by its extremes.
enum class Bounds { none, lower_open, lower_closed, closed, half_open, not_nan };

class Elementwise final : public Constraint {
 public:
  using Predicate = at::Tensor (*)(const at::Tensor&, double, double);
  Elementwise(std::string name, Predicate pred, std::vector<double> args, bool discrete, double lower, double upper,
              Bounds bounds)
      : name_(std::move(name)),
        pred_(pred),
        args_(std::move(args)),
        discrete_(discrete),
        lower_(lower),
        upper_(upper),
        bounds_(bounds) {}
  std::string name() const override { return name_; }
  at::Tensor check(const at::Tensor& v) const override {
    return pred_(v, args_.size() > 0 ? args_[0] : 0.0, args_.size() > 1 ? args_[1] : 0.0);
  }
  // Validation runs this for every distribution parameter and value: one reduction and one read
  // instead of a comparison, an all() and a read. NaN propagates through min/max/sum and fails
  // the comparisons, as it fails check().
  bool all_hold(const at::Tensor& v) const override {
    // Half/BFloat16 lack some CPU reductions (aminmax): they take the general path.
    const auto t = v.scalar_type();
    if (bounds_ == Bounds::none || v.numel() == 0 || v.is_complex() || t == at::kHalf || t == at::kBFloat16)
      return Constraint::all_hold(v);
    switch (bounds_) {
      case Bounds::not_nan: {
        if (!v.is_floating_point()) return true;
        if (!std::isnan(v.sum().item<double>())) return true;
        return Constraint::all_hold(v);  // NaN, or inf - inf: look element by element
      }
      case Bounds::lower_open: return v.min().item<double>() > lower_;
      case Bounds::lower_closed: return v.min().item<double>() >= lower_;
      case Bounds::closed:
      case Bounds::half_open: {
        auto mm = at::aminmax(v);
        const double lo = std::get<0>(mm).item<double>(), hi = std::get<1>(mm).item<double>();
        return lo >= lower_ && (bounds_ == Bounds::closed ? hi <= upper_ : hi < upper_);
      }
      case Bounds::none: break;
    }
    return Constraint::all_hold(v);
  }
  bool only_rejects_nan() const override { return bounds_ == Bounds::not_nan; }
  bool same_as(const Constraint& other) const override {
    const auto* o = dynamic_cast<const Elementwise*>(&other);
    return o && (o == this || (o->pred_ == pred_ && o->args_ == args_ && o->name_ == name_));
  }
  bool is_discrete() const override { return discrete_; }
  std::vector<double> args() const override { return args_; }
  at::Tensor lower_bound() const override { return bound_tensor(lower_, discrete_); }
  at::Tensor upper_bound() const override { return bound_tensor(upper_, discrete_); }

 private:
  std::string name_;
  Predicate pred_;
  std::vector<double> args_;
  bool discrete_;
  double lower_, upper_;
  Bounds bounds_;
};

at::Tensor is_integer(const at::Tensor& v) {
  return v.is_floating_point() ? (v == v.floor()) : at::ones_like(v, v.options().dtype(at::kBool));
}

class TensorInterval final : public Constraint {
 public:
  TensorInterval(at::Tensor lo, at::Tensor hi, bool half_open, bool integer)
      : lo_(std::move(lo)), hi_(std::move(hi)), half_open_(half_open), integer_(integer) {}
  std::string name() const override {
    return integer_ ? "integer_interval" : (half_open_ ? "half_open_interval" : "interval");
  }
  at::Tensor check(const at::Tensor& v) const override {
    auto ok = (v >= lo_).logical_and(half_open_ ? (v < hi_) : (v <= hi_));
    return integer_ ? ok.logical_and(is_integer(v)) : ok;
  }
  bool is_discrete() const override { return integer_; }
  // Equal bounds would take a read to compare; the same bound tensors (unchanged) are enough.
  bool same_as(const Constraint& other) const override {
    const auto* o = dynamic_cast<const TensorInterval*>(&other);
    return o && (o == this ||
                 (o->lo_.is_same(lo_) && o->hi_.is_same(hi_) && o->lo_._version() == lo_._version() &&
                  o->hi_._version() == hi_._version() && o->half_open_ == half_open_ && o->integer_ == integer_));
  }
  std::vector<double> args() const override {
    if (lo_.numel() == 1 && hi_.numel() == 1) return {lo_.item<double>(), hi_.item<double>()};
    return {};
  }
  at::Tensor lower_bound() const override { return lo_; }
  at::Tensor upper_bound() const override { return hi_; }

 private:
  at::Tensor lo_, hi_;
  bool half_open_, integer_;
};

class Simplex final : public Constraint {
 public:
  std::string name() const override { return "simplex"; }
  int64_t event_dim() const override { return 1; }
  at::Tensor check(const at::Tensor& v) const override {
    return (v >= 0).all(-1).logical_and((v.sum(-1) - 1).abs() < 1e-6);
  }
};

class OneHot final : public Constraint {
 public:
  std::string name() const override { return "one_hot"; }
  int64_t event_dim() const override { return 1; }
  bool is_discrete() const override { return true; }
  at::Tensor check(const at::Tensor& v) const override {
    auto is_boolean = (v == 0).logical_or(v == 1).all(-1);
    return is_boolean.logical_and(v.sum(-1) == 1);
  }
};

class LowerCholesky final : public Constraint {
 public:
  std::string name() const override { return "lower_cholesky"; }
  int64_t event_dim() const override { return 2; }
  at::Tensor check(const at::Tensor& v) const override {
    auto lower = (v.tril() == v).flatten(-2).all(-1);
    auto pos = (v.diagonal(0, -2, -1) > 0).all(-1);
    return lower.logical_and(pos);
  }
};

class UnitLowerCholesky final : public Constraint {
 public:
  std::string name() const override { return "unit_lower_cholesky"; }
  int64_t event_dim() const override { return 2; }
  at::Tensor check(const at::Tensor& v) const override {
    auto lower = (v.tril() == v).flatten(-2).all(-1);
    auto ones = (v.diagonal(0, -2, -1) == 1).all(-1);
    return lower.logical_and(ones);
  }
};

class PositiveDefinite final : public Constraint {
 public:
  std::string name() const override { return "positive_definite"; }
  int64_t event_dim() const override { return 2; }
  at::Tensor check(const at::Tensor& v) const override {
    auto sym = at::isclose(v, v.transpose(-1, -2), 1e-5, 1e-6).flatten(-2).all(-1);
    // Cholesky succeeds (info == 0) exactly for symmetric positive-definite matrices.
    auto info = std::get<1>(at::linalg_cholesky_ex(v));
    return sym.logical_and(info == 0);
  }
};

class RealVector final : public Constraint {
 public:
  std::string name() const override { return "real_vector"; }
  int64_t event_dim() const override { return 1; }
  at::Tensor check(const at::Tensor& v) const override { return (v == v).all(-1); }
  bool only_rejects_nan() const override { return true; }
};

class Independent final : public Constraint {
 public:
  Independent(ConstraintPtr base, int64_t n) : base_(std::move(base)), n_(n) {}
  std::string name() const override { return "independent"; }
  int64_t event_dim() const override { return base_->event_dim() + n_; }
  bool is_discrete() const override { return base_->is_discrete(); }
  at::Tensor check(const at::Tensor& v) const override {
    auto ok = base_->check(v);
    if (n_ == 0) return ok;
    PPLX_CHECK_AS(ValueError, ok.dim() >= n_, "constraints::independent: value of shape ", c10::IntArrayRef(v.sizes()),
                  " has too few dims for ", n_, " reinterpreted dim(s)");
    return ok.flatten(ok.dim() - n_).all(-1);
  }
  ConstraintPtr base_constraint() const override { return base_; }
  int64_t reinterpreted_batch_ndims() const override { return n_; }
  // A wrapper reports its base's properties: independent(real, n) also fails only for NaN.
  bool only_rejects_nan() const override { return base_->only_rejects_nan(); }
  bool same_as(const Constraint& other) const override {
    const auto* o = dynamic_cast<const Independent*>(&other);
    return o && (o == this || (o->n_ == n_ && o->base_->same_as(*base_)));
  }

 private:
  ConstraintPtr base_;
  int64_t n_;
};

ConstraintPtr elementwise(std::string name, Elementwise::Predicate p, std::vector<double> args = {},
                          bool discrete = false, double lower = kNone, double upper = kNone,
                          Bounds bounds = Bounds::none) {
  return std::make_shared<Elementwise>(std::move(name), p, std::move(args), discrete, lower, upper, bounds);
}

}  // namespace

bool Constraint::all_hold(const at::Tensor& value) const { return check(value).all().item<bool>(); }

std::string Constraint::describe() const {
  std::ostringstream os;
  os << name();
  if (auto base = base_constraint()) {
    os << '(' << base->describe() << ", " << reinterpreted_batch_ndims() << ')';
    return os.str();
  }
  auto a = args();
  if (!a.empty()) {
    os << '(';
    for (size_t i = 0; i < a.size(); ++i) os << (i ? ", " : "") << a[i];
    os << ')';
  }
  return os.str();
}

ConstraintPtr make_real() {
  return elementwise(
      "real", [](const at::Tensor& v, double, double) { return v == v; }, {}, false, kNone, kNone, Bounds::not_nan);
}
ConstraintPtr make_positive() {
  return elementwise(
      "positive", [](const at::Tensor& v, double, double) { return v > 0; }, {}, false, 0.0, kNone, Bounds::lower_open);
}
ConstraintPtr make_nonnegative() {
  return elementwise(
      "nonnegative", [](const at::Tensor& v, double, double) { return v >= 0; }, {}, false, 0.0, kNone,
      Bounds::lower_closed);
}
ConstraintPtr make_unit_interval() {
  return elementwise(
      "unit_interval", [](const at::Tensor& v, double, double) { return (v >= 0).logical_and(v <= 1); }, {}, false, 0.0,
      1.0, Bounds::closed);
}
ConstraintPtr make_boolean() {
  return elementwise(
      "boolean", [](const at::Tensor& v, double, double) { return (v == 0).logical_or(v == 1); }, {}, true);
}
ConstraintPtr make_nonnegative_integer() {
  return elementwise(
      "nonnegative_integer", [](const at::Tensor& v, double, double) { return (v >= 0).logical_and(is_integer(v)); },
      {}, true, 0.0);
}
ConstraintPtr make_simplex() { return std::make_shared<Simplex>(); }
ConstraintPtr make_one_hot() { return std::make_shared<OneHot>(); }
ConstraintPtr make_lower_cholesky() { return std::make_shared<LowerCholesky>(); }
ConstraintPtr make_positive_definite() { return std::make_shared<PositiveDefinite>(); }
ConstraintPtr make_real_vector() { return std::make_shared<RealVector>(); }
ConstraintPtr make_softplus_positive() {
  return elementwise(
      "softplus_positive", [](const at::Tensor& v, double, double) { return v > 0; }, {}, false, 0.0, kNone,
      Bounds::lower_open);
}
ConstraintPtr make_unit_lower_cholesky() { return std::make_shared<UnitLowerCholesky>(); }

ConstraintPtr greater_than(double lb) {
  return elementwise(
      "greater_than", [](const at::Tensor& v, double lo, double) { return v > lo; }, {lb}, false, lb, kNone,
      Bounds::lower_open);
}
ConstraintPtr greater_than_eq(double lb) {
  return elementwise(
      "greater_than_eq", [](const at::Tensor& v, double lo, double) { return v >= lo; }, {lb}, false, lb, kNone,
      Bounds::lower_closed);
}
ConstraintPtr interval(double lb, double ub) {
  PPLX_CHECK_AS(ValueError, lb < ub, "constraints::interval: lower_bound ", lb, " must be < upper_bound ", ub);
  return elementwise(
      "interval", [](const at::Tensor& v, double lo, double hi) { return (v >= lo).logical_and(v <= hi); }, {lb, ub},
      false, lb, ub, Bounds::closed);
}
ConstraintPtr half_open_interval(double lb, double ub) {
  PPLX_CHECK_AS(ValueError, lb < ub, "constraints::half_open_interval: lower_bound ", lb, " must be < upper_bound ",
                ub);
  return elementwise(
      "half_open_interval", [](const at::Tensor& v, double lo, double hi) { return (v >= lo).logical_and(v < hi); },
      {lb, ub}, false, lb, ub, Bounds::half_open);
}
ConstraintPtr integer_interval(double lb, double ub) {
  return elementwise(
      "integer_interval",
      [](const at::Tensor& v, double lo, double hi) {
        return (v >= lo).logical_and(v <= hi).logical_and(is_integer(v));
      },
      {lb, ub}, true, lb, ub);
}
ConstraintPtr interval(const at::Tensor& lb, const at::Tensor& ub, bool half_open) {
  return std::make_shared<TensorInterval>(lb, ub, half_open, false);
}
ConstraintPtr integer_interval(const at::Tensor& lb, const at::Tensor& ub) {
  return std::make_shared<TensorInterval>(lb, ub, false, true);
}
ConstraintPtr independent(ConstraintPtr base, int64_t n) {
  PPLX_CHECK_AS(ValueError, base != nullptr, "constraints::independent: base constraint is null");
  PPLX_CHECK_AS(ValueError, n >= 0, "constraints::independent: reinterpreted_batch_ndims must be >= 0, got ", n);
  return std::make_shared<Independent>(std::move(base), n);
}

ConstraintPtr from_name(const std::string& name, const std::vector<double>& a) {
  auto need = [&](size_t n) {
    PPLX_CHECK_AS(ValueError, a.size() == n, "constraints::from_name: '", name, "' takes ", n, " arguments, got ",
                  a.size());
  };
  if (name == "real") return real;
  if (name == "positive") return positive;
  if (name == "nonnegative") return nonnegative;
  if (name == "unit_interval") return unit_interval;
  if (name == "boolean") return boolean;
  if (name == "nonnegative_integer") return nonnegative_integer;
  if (name == "simplex") return simplex;
  if (name == "one_hot") return one_hot;
  if (name == "lower_cholesky") return lower_cholesky;
  if (name == "positive_definite") return positive_definite;
  if (name == "real_vector") return real_vector;
  if (name == "softplus_positive") return softplus_positive;
  if (name == "unit_lower_cholesky") return unit_lower_cholesky;
  if (name == "greater_than") return need(1), greater_than(a[0]);
  if (name == "greater_than_eq") return need(1), greater_than_eq(a[0]);
  if (name == "interval") return need(2), interval(a[0], a[1]);
  if (name == "half_open_interval") return need(2), half_open_interval(a[0], a[1]);
  if (name == "integer_interval") return need(2), integer_interval(a[0], a[1]);
  throw ValueError("constraints::from_name: unknown constraint '" + name + "'");
}

}  // namespace constraints
}  // namespace pplx
