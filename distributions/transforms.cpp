// SPDX-License-Identifier: Apache-2.0
// Formulas follow torch.distributions.transforms (torch 1.13) so the values match to float64 precision.
#include <pplx/distributions/transforms.h>

#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

#include <pplx/distributions/distribution.h>
#include <pplx/distributions/independent.h>
#include <pplx/error.h>

namespace pplx {
namespace transforms {
namespace {

using distributions::shape_str;

using distributions::sum_rightmost;

double tiny(const at::Tensor& t) {
  return t.scalar_type() == at::kDouble ? std::numeric_limits<double>::min() : std::numeric_limits<float>::min();
}
double eps(const at::Tensor& t) {
  return t.scalar_type() == at::kDouble ? std::numeric_limits<double>::epsilon()
                                        : std::numeric_limits<float>::epsilon();
}
at::Tensor clipped_sigmoid(const at::Tensor& x) { return at::sigmoid(x).clamp(tiny(x), 1.0 - eps(x)); }

// `c` seen over `event_dim` trailing dims (torch's constraints.independent in domain/codomain).
constraints::ConstraintPtr with_event_dim(constraints::ConstraintPtr c, int64_t event_dim) {
  return event_dim > c->event_dim() ? constraints::independent(c, event_dim - c->event_dim()) : c;
}

class Identity final : public Transform {
 public:
  std::string name() const override { return "identity"; }
  at::Tensor forward(const at::Tensor& x) const override { return x; }
  at::Tensor inverse(const at::Tensor& y) const override { return y; }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override { return at::zeros_like(x); }
  bool is_identity() const override { return true; }
};

class Exp final : public Transform {
 public:
  std::string name() const override { return "exp"; }
  at::Tensor forward(const at::Tensor& x) const override { return x.exp(); }
  at::Tensor inverse(const at::Tensor& y) const override { return y.log(); }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override { return x; }
  constraints::ConstraintPtr codomain() const override { return constraints::positive; }
};

class Sigmoid final : public Transform {
 public:
  std::string name() const override { return "sigmoid"; }
  at::Tensor forward(const at::Tensor& x) const override { return clipped_sigmoid(x); }
  at::Tensor inverse(const at::Tensor& y) const override {
    auto c = y.clamp(tiny(y), 1.0 - eps(y));
    return c.log() - (-c).log1p();
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override {
    return -at::softplus(-x) - at::softplus(x);
  }
  constraints::ConstraintPtr codomain() const override { return constraints::unit_interval; }
};

class Softmax final : public Transform {
 public:
  std::string name() const override { return "softmax"; }
  at::Tensor forward(const at::Tensor& x) const override {
    auto probs = (x - std::get<0>(x.max(-1, true))).exp();
    return probs / probs.sum(-1, true);
  }
  at::Tensor inverse(const at::Tensor& y) const override { return y.log(); }
  at::Tensor log_abs_det_jacobian(const at::Tensor&, const at::Tensor&) const override {
    throw NotImplementedError("transforms::softmax is not a bijection and has no log_abs_det_jacobian");
  }
  int64_t domain_event_dim() const override { return 1; }
  constraints::ConstraintPtr domain() const override { return constraints::real_vector; }
  constraints::ConstraintPtr codomain() const override { return constraints::simplex; }
};

class StickBreaking final : public Transform {
 public:
  std::string name() const override { return "stick_breaking"; }
  at::Tensor forward(const at::Tensor& x) const override {
    auto offset = (x.size(-1) + 1) - x.new_ones({x.size(-1)}).cumsum(-1);
    auto z = clipped_sigmoid(x - offset.log());
    auto z_cumprod = (1 - z).cumprod(-1);
    return at::constant_pad_nd(z, {0, 1}, 1) * at::constant_pad_nd(z_cumprod, {1, 0}, 1);
  }
  at::Tensor inverse(const at::Tensor& y) const override {
    auto y_crop = y.narrow(-1, 0, y.size(-1) - 1);
    auto offset = y.size(-1) - y.new_ones({y_crop.size(-1)}).cumsum(-1);
    // Clamped so that the remaining stick stays positive when y[-1] ~ 0 (as torch does).
    auto sf = (1 - y_crop.cumsum(-1)).clamp_min(tiny(y));
    return y_crop.log() - sf.log() + offset.log();
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const override {
    auto offset = (x.size(-1) + 1) - x.new_ones({x.size(-1)}).cumsum(-1);
    auto xs = x - offset.log();
    // Uses 1 - sigmoid(x) = exp(-x) * sigmoid(x).
    return (-xs + at::log_sigmoid(xs) + y.narrow(-1, 0, y.size(-1) - 1).log()).sum(-1);
  }
  int64_t domain_event_dim() const override { return 1; }
  constraints::ConstraintPtr domain() const override { return constraints::real_vector; }
  constraints::ConstraintPtr codomain() const override { return constraints::simplex; }
  std::vector<int64_t> forward_shape(c10::IntArrayRef shape) const override {
    PPLX_CHECK_AS(ShapeError, !shape.empty(), "transforms::stick_breaking: input of shape [] has no event dim");
    auto s = shape.vec();
    s.back() += 1;
    return s;
  }
  std::vector<int64_t> inverse_shape(c10::IntArrayRef shape) const override {
    PPLX_CHECK_AS(ShapeError, !shape.empty() && shape.back() >= 1, "transforms::stick_breaking: output of shape ",
                  shape_str(shape), " is not a simplex of size >= 1");
    auto s = shape.vec();
    s.back() -= 1;
    return s;
  }
};

class LowerCholesky final : public Transform {
 public:
  std::string name() const override { return "lower_cholesky"; }
  at::Tensor forward(const at::Tensor& x) const override {
    return x.tril(-1) + at::diag_embed(x.diagonal(0, -2, -1).exp());
  }
  at::Tensor inverse(const at::Tensor& y) const override {
    return y.tril(-1) + at::diag_embed(y.diagonal(0, -2, -1).log());
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor&, const at::Tensor&) const override {
    throw NotImplementedError("transforms::lower_cholesky has no log_abs_det_jacobian (as in torch)");
  }
  int64_t domain_event_dim() const override { return 2; }
  constraints::ConstraintPtr domain() const override { return constraints::independent(constraints::real, 2); }
  constraints::ConstraintPtr codomain() const override { return constraints::lower_cholesky; }
};

// Pyro's SoftplusTransform (pyro/distributions/transforms/softplus.py).
class Softplus final : public Transform {
 public:
  std::string name() const override { return "softplus"; }
  at::Tensor forward(const at::Tensor& x) const override { return at::softplus(x); }
  at::Tensor inverse(const at::Tensor& y) const override { return y + y.neg().expm1().neg().log(); }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override { return -at::softplus(-x); }
  constraints::ConstraintPtr codomain() const override { return constraints::softplus_positive; }
};

// Pyro's UnitLowerCholeskyTransform (pyro/distributions/transforms/unit_cholesky.py).
class UnitLowerCholesky final : public Transform {
 public:
  std::string name() const override { return "unit_lower_cholesky"; }
  at::Tensor forward(const at::Tensor& x) const override { return x.tril(-1) + at::eye(x.size(-1), x.options()); }
  at::Tensor inverse(const at::Tensor& y) const override { return y.tril(-1); }
  at::Tensor log_abs_det_jacobian(const at::Tensor&, const at::Tensor&) const override {
    throw NotImplementedError("transforms::unit_lower_cholesky has no log_abs_det_jacobian (its diagonal is fixed)");
  }
  int64_t domain_event_dim() const override { return 2; }
  constraints::ConstraintPtr domain() const override { return constraints::independent(constraints::real, 2); }
  constraints::ConstraintPtr codomain() const override { return constraints::unit_lower_cholesky; }
};

}  // namespace

constraints::ConstraintPtr Transform::domain() const { return with_event_dim(constraints::real, domain_event_dim()); }
constraints::ConstraintPtr Transform::codomain() const {
  return with_event_dim(constraints::real, codomain_event_dim());
}

// --- AffineTransform -----------------------------------------------------------------------------

AffineTransform::AffineTransform(at::Tensor loc, at::Tensor scale, int64_t event_dim)
    : loc_(std::move(loc)), scale_(std::move(scale)), event_dim_(event_dim) {
  PPLX_CHECK_AS(ValueError, loc_.defined() && scale_.defined(), "transforms::affine: loc and scale must be defined");
  PPLX_CHECK_AS(ValueError, event_dim_ >= 0, "transforms::affine: event_dim must be >= 0, got ", event_dim_);
  // Read once here (CPU scalars: no device sync), so that forward/inverse are one or no ops.
  scalar_ = loc_.dim() == 0 && scale_.dim() == 0 && loc_.device().is_cpu() && scale_.device().is_cpu() &&
            !loc_.requires_grad() && !scale_.requires_grad();
  if (scalar_) {
    loc_value_ = loc_.item<double>();
    scale_value_ = scale_.item<double>();
    identity_ = loc_value_ == 0.0 && scale_value_ == 1.0;
  }
}

// loc and scale take x's dtype and device: a float64 CPU scalar must neither promote a float32
// parameter to float64 nor hide a CPU tensor in a CUDA computation.
at::Tensor AffineTransform::forward(const at::Tensor& x) const {
  if (identity_) return x;
  if (scalar_) return x * scale_value_ + loc_value_;
  return loc_.to(x.options()) + scale_.to(x.options()) * x;
}
at::Tensor AffineTransform::inverse(const at::Tensor& y) const {
  if (identity_) return y;
  if (scalar_) return (y - loc_value_) / scale_value_;
  return (y - loc_.to(y.options())) / scale_.to(y.options());
}
// Every element of y = loc + scale * x contributes log|scale| once, so log|scale| is broadcast to
// y's shape (x, loc and scale broadcast together) before the event dims are summed: a scalar scale
// over an event of n elements gives n * log|scale|, and loc or scale with more dims than x widen
// the batch (torch sums the parameter's own elements instead, so a 0-dim scale counts once).
at::Tensor AffineTransform::log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const {
  const std::vector<int64_t> shape = forward_shape(x.sizes());
  PPLX_CHECK_AS(ShapeError, static_cast<int64_t>(shape.size()) >= event_dim_, "transforms::affine with event_dim ",
                event_dim_, ": input of shape ", shape_str(x.sizes()), " has fewer dims than the event");
  if (scalar_) {
    const std::vector<int64_t> batch(shape.begin(), shape.end() - event_dim_);
    int64_t n = 1;
    for (auto it = shape.end() - event_dim_; it != shape.end(); ++it) n *= *it;
    return at::full(batch, static_cast<double>(n) * std::log(std::abs(scale_value_)), x.options());
  }
  return sum_rightmost(scale_.to(x.options()).abs().log().expand(shape), event_dim_);
}
constraints::ConstraintPtr AffineTransform::domain() const { return with_event_dim(constraints::real, event_dim_); }
std::vector<int64_t> AffineTransform::forward_shape(c10::IntArrayRef shape) const {
  return at::infer_size(at::infer_size(shape, loc_.sizes()), scale_.sizes());
}
std::vector<int64_t> AffineTransform::inverse_shape(c10::IntArrayRef shape) const {
  return at::infer_size(at::infer_size(shape, loc_.sizes()), scale_.sizes());
}

// --- ComposeTransform ----------------------------------------------------------------------------

ComposeTransform::ComposeTransform(std::vector<TransformPtr> parts) : parts_(std::move(parts)) {
  for (const auto& p : parts_) PPLX_CHECK_AS(ValueError, p != nullptr, "transforms::compose: a part is null");
}
at::Tensor ComposeTransform::forward(const at::Tensor& x) const {
  at::Tensor y = x;
  for (const auto& p : parts_) y = p->forward(y);
  return y;
}
at::Tensor ComposeTransform::inverse(const at::Tensor& y) const {
  at::Tensor x = y;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) x = (*it)->inverse(x);
  return x;
}
at::Tensor ComposeTransform::log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const {
  if (parts_.empty()) return at::zeros_like(x);
  // x is first broadcast to the shape the whole chain gives it (a later part's parameters may
  // widen the batch), so that an earlier part's log-determinant is counted once per element of
  // y's event, not once per element of the narrower x (as TransformedDistribution expands its base).
  const std::vector<int64_t> full = inverse_shape(forward_shape(x.sizes()));
  std::vector<at::Tensor> xs{x.sizes().vec() == full ? x : x.expand(full)};
  for (size_t i = 0; i + 1 < parts_.size(); ++i) xs.push_back(parts_[i]->forward(xs.back()));
  xs.push_back(y);
  int64_t event_dim = domain_event_dim();
  at::Tensor total;
  for (size_t i = 0; i < parts_.size(); ++i) {
    auto term =
        sum_rightmost(parts_[i]->log_abs_det_jacobian(xs[i], xs[i + 1]), event_dim - parts_[i]->domain_event_dim());
    total = total.defined() ? total + term : term;
    event_dim += parts_[i]->codomain_event_dim() - parts_[i]->domain_event_dim();
  }
  return total;
}
int64_t ComposeTransform::domain_event_dim() const {
  // Like torch: the last part's domain event dim, carried back through the parts and raised
  // wherever an earlier part needs more.
  if (parts_.empty()) return 0;
  int64_t dim = parts_.back()->domain_event_dim();
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) {
    dim -= (*it)->codomain_event_dim() - (*it)->domain_event_dim();
    dim = std::max(dim, (*it)->domain_event_dim());
  }
  return dim;
}
int64_t ComposeTransform::codomain_event_dim() const {
  if (parts_.empty()) return 0;
  int64_t dim = parts_.front()->codomain_event_dim();
  for (const auto& p : parts_) {
    dim += p->codomain_event_dim() - p->domain_event_dim();
    dim = std::max(dim, p->codomain_event_dim());
  }
  return dim;
}
constraints::ConstraintPtr ComposeTransform::domain() const {
  if (parts_.empty()) return constraints::real;
  return with_event_dim(parts_.front()->domain(), domain_event_dim());
}
constraints::ConstraintPtr ComposeTransform::codomain() const {
  if (parts_.empty()) return constraints::real;
  return with_event_dim(parts_.back()->codomain(), codomain_event_dim());
}
std::vector<int64_t> ComposeTransform::forward_shape(c10::IntArrayRef shape) const {
  std::vector<int64_t> s = shape.vec();
  for (const auto& p : parts_) s = p->forward_shape(s);
  return s;
}
std::vector<int64_t> ComposeTransform::inverse_shape(c10::IntArrayRef shape) const {
  std::vector<int64_t> s = shape.vec();
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) s = (*it)->inverse_shape(s);
  return s;
}
bool ComposeTransform::is_identity() const {
  for (const auto& p : parts_)
    if (!p->is_identity()) return false;
  return true;
}

// --- factories and registries --------------------------------------------------------------------

TransformPtr identity() {
  static const TransformPtr t = std::make_shared<Identity>();
  return t;
}
TransformPtr exp() {
  static const TransformPtr t = std::make_shared<Exp>();
  return t;
}
TransformPtr sigmoid() {
  static const TransformPtr t = std::make_shared<Sigmoid>();
  return t;
}
TransformPtr softmax() { return std::make_shared<Softmax>(); }
TransformPtr stick_breaking() { return std::make_shared<StickBreaking>(); }
TransformPtr lower_cholesky() { return std::make_shared<LowerCholesky>(); }
TransformPtr softplus() {
  static const TransformPtr t = std::make_shared<Softplus>();
  return t;
}
TransformPtr unit_lower_cholesky() { return std::make_shared<UnitLowerCholesky>(); }
TransformPtr affine(at::Tensor loc, at::Tensor scale, int64_t event_dim) {
  return std::make_shared<AffineTransform>(std::move(loc), std::move(scale), event_dim);
}
TransformPtr affine(double loc, double scale, int64_t event_dim) {
  auto opts = at::TensorOptions().dtype(at::kDouble);
  return affine(at::scalar_tensor(loc, opts), at::scalar_tensor(scale, opts), event_dim);
}
TransformPtr compose(std::vector<TransformPtr> parts) { return std::make_shared<ComposeTransform>(std::move(parts)); }

namespace {
// torch 1.13's constraint_registry, including its quirks: the registry is keyed by constraint
// type, and positive/nonnegative share the type of greater_than/greater_than_eq, so they map to
// exp followed by affine(lower_bound, 1), not to a bare exp.
TransformPtr registry(const constraints::ConstraintPtr& c, bool bijective) {
  PPLX_CHECK_AS(ValueError, c != nullptr, "transform_to/biject_to: null constraint");
  const std::string n = c->name();
  if (n == "real" || n == "real_vector") return compose({});
  if (n == "positive" || n == "nonnegative" || n == "greater_than" || n == "greater_than_eq")
    return compose({exp(), affine(c->lower_bound(), at::scalar_tensor(1.0, c->lower_bound().options()))});
  if (n == "softplus_positive") return softplus();  // Pyro registers it for both
  if (n == "unit_lower_cholesky" && !bijective) return unit_lower_cholesky();
  if (n == "unit_interval") return sigmoid();
  if (n == "interval" || n == "half_open_interval") {
    auto lo = c->lower_bound(), hi = c->upper_bound();
    const auto a = c->args();
    if (a.size() == 2 && a[0] == 0.0 && a[1] == 1.0 && lo.dim() == 0 && hi.dim() == 0) return sigmoid();
    return compose({sigmoid(), affine(lo, hi - lo)});
  }
  if (n == "simplex") return bijective ? stick_breaking() : softmax();
  if (n == "lower_cholesky" && !bijective) return lower_cholesky();
  throw NotImplementedError(bijective ? "biject_to" : "transform_to", ": no transform registered for constraint '",
                            c->describe(), "'");
}
}  // namespace

TransformPtr transform_to(const constraints::ConstraintPtr& c) { return registry(c, false); }
TransformPtr biject_to(const constraints::ConstraintPtr& c) { return registry(c, true); }

}  // namespace transforms
}  // namespace pplx
