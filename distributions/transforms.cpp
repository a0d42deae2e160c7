// SPDX-License-Identifier: Apache-2.0
// Formulas follow torch.distributions.transforms (torch 1.13) so the values match to float64 precision.
#include <pplx/distributions/transforms.h>

#include <limits>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace transforms {
namespace {

// Sum the rightmost `n` dims (torch.distributions.utils._sum_rightmost).
at::Tensor sum_rightmost(const at::Tensor& t, int64_t n) {
  if (n <= 0) return t;
  auto shape = t.sizes().vec();
  shape.resize(shape.size() - std::min<size_t>(n, shape.size()));
  shape.push_back(-1);
  return t.reshape(shape).sum(-1);
}

double tiny(const at::Tensor& t) {
  return t.scalar_type() == at::kDouble ? std::numeric_limits<double>::min() : std::numeric_limits<float>::min();
}
double eps(const at::Tensor& t) {
  return t.scalar_type() == at::kDouble ? std::numeric_limits<double>::epsilon()
                                         : std::numeric_limits<float>::epsilon();
}
at::Tensor clipped_sigmoid(const at::Tensor& x) { return at::sigmoid(x).clamp(tiny(x), 1.0 - eps(x)); }

class Identity final : public Transform {
 public:
  std::string name() const override { return "identity"; }
  at::Tensor forward(const at::Tensor& x) const override { return x; }
  at::Tensor inverse(const at::Tensor& y) const override { return y; }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override {
    return at::zeros_like(x);
  }
  bool is_identity() const override { return true; }
};

class Exp final : public Transform {
 public:
  std::string name() const override { return "exp"; }
  at::Tensor forward(const at::Tensor& x) const override { return x.exp(); }
  at::Tensor inverse(const at::Tensor& y) const override { return y.log(); }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override { return x; }
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
};

class Affine final : public Transform {
 public:
  Affine(at::Tensor loc, at::Tensor scale, int64_t event_dim)
      : loc_(std::move(loc)), scale_(std::move(scale)), event_dim_(event_dim) {}
  std::string name() const override { return "affine"; }
  at::Tensor forward(const at::Tensor& x) const override { return loc_.to(x.device()) + scale_.to(x.device()) * x; }
  at::Tensor inverse(const at::Tensor& y) const override {
    return (y - loc_.to(y.device())) / scale_.to(y.device());
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor&) const override {
    auto shape = x.sizes().vec();
    auto result = scale_.to(x.device()).abs().log().to(x.scalar_type());
    if (event_dim_ > 0) {
      auto rs = result.sizes().vec();
      std::vector<int64_t> view(rs.begin(), rs.end() - std::min<int64_t>(event_dim_, rs.size()));
      view.push_back(-1);
      result = result.reshape(view).sum(-1);
      shape.resize(shape.size() - event_dim_);
    }
    return result.expand(shape);
  }
  int64_t domain_event_dim() const override { return event_dim_; }
  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  at::Tensor loc_, scale_;
  int64_t event_dim_;
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
    auto sf = (1 - y_crop.cumsum(-1)).clamp_min(tiny(y));
    return y_crop.log() - sf.log() + offset.log();
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const override {
    auto offset = (x.size(-1) + 1) - x.new_ones({x.size(-1)}).cumsum(-1);
    auto xs = x - offset.log();
    return (-xs + at::log_sigmoid(xs) + y.narrow(-1, 0, y.size(-1) - 1).log()).sum(-1);
  }
  int64_t domain_event_dim() const override { return 1; }
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
};

class Compose final : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> parts) : parts_(std::move(parts)) {}
  std::string name() const override { return "compose"; }
  at::Tensor forward(const at::Tensor& x) const override {
    at::Tensor y = x;
    for (const auto& p : parts_) y = p->forward(y);
    return y;
  }
  at::Tensor inverse(const at::Tensor& y) const override {
    at::Tensor x = y;
    for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) x = (*it)->inverse(x);
    return x;
  }
  at::Tensor log_abs_det_jacobian(const at::Tensor& x, const at::Tensor& y) const override {
    if (parts_.empty()) return at::zeros_like(x);
    std::vector<at::Tensor> xs{x};
    for (size_t i = 0; i + 1 < parts_.size(); ++i) xs.push_back(parts_[i]->forward(xs.back()));
    xs.push_back(y);
    int64_t event_dim = domain_event_dim();
    at::Tensor total;
    for (size_t i = 0; i < parts_.size(); ++i) {
      auto term = sum_rightmost(parts_[i]->log_abs_det_jacobian(xs[i], xs[i + 1]),
                                event_dim - parts_[i]->domain_event_dim());
      total = total.defined() ? total + term : term;
      event_dim += parts_[i]->codomain_event_dim() - parts_[i]->domain_event_dim();
    }
    return total;
  }
  int64_t domain_event_dim() const override {
    // Like torch: the domain's event dim is the first part's, raised where a later part needs more.
    if (parts_.empty()) return 0;
    int64_t dim = parts_.back()->domain_event_dim();
    for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) {
      dim -= (*it)->codomain_event_dim() - (*it)->domain_event_dim();
      dim = std::max(dim, (*it)->domain_event_dim());
    }
    return dim;
  }
  int64_t codomain_event_dim() const override {
    if (parts_.empty()) return 0;
    int64_t dim = parts_.front()->codomain_event_dim();
    for (const auto& p : parts_) {
      dim += p->codomain_event_dim() - p->domain_event_dim();
      dim = std::max(dim, p->codomain_event_dim());
    }
    return dim;
  }
  bool is_identity() const override {
    for (const auto& p : parts_)
      if (!p->is_identity()) return false;
    return true;
  }
  const std::vector<TransformPtr>& parts() const { return parts_; }

 private:
  std::vector<TransformPtr> parts_;
};

}  // namespace

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
TransformPtr affine(at::Tensor loc, at::Tensor scale, int64_t event_dim) {
  return std::make_shared<Affine>(std::move(loc), std::move(scale), event_dim);
}
TransformPtr affine(double loc, double scale, int64_t event_dim) {
  auto opts = at::TensorOptions().dtype(at::kDouble);
  return affine(at::scalar_tensor(loc, opts), at::scalar_tensor(scale, opts), event_dim);
}
TransformPtr compose(std::vector<TransformPtr> parts) { return std::make_shared<Compose>(std::move(parts)); }

namespace {
TransformPtr registry(const constraints::ConstraintPtr& c, bool bijective) {
  PPLX_CHECK_AS(ValueError, c != nullptr, "transform_to/biject_to: null constraint");
  const std::string n = c->name();
  const auto a = c->args();
  if (n == "real") return compose({});
  if (n == "real_vector") return compose({});
  if (n == "positive" || n == "nonnegative") return exp();
  if (n == "greater_than" || n == "greater_than_eq") return compose({exp(), affine(a.at(0), 1.0)});
  if ((n == "interval" || n == "half_open_interval") && a.size() == 2) {
    if (a[0] == 0.0 && a[1] == 1.0) return sigmoid();
    return compose({sigmoid(), affine(a[0], a[1] - a[0])});
  }
  if (n == "unit_interval") return sigmoid();
  if (n == "simplex") return bijective ? stick_breaking() : softmax();
  if (n == "lower_cholesky" && !bijective) return lower_cholesky();
  throw NotImplementedError(detail::str(bijective ? "biject_to" : "transform_to", ": no transform registered for constraint '",
                                        c->describe(), "'"));
}
}  // namespace

TransformPtr transform_to(const constraints::ConstraintPtr& c) { return registry(c, false); }
TransformPtr biject_to(const constraints::ConstraintPtr& c) { return registry(c, true); }

}  // namespace transforms
}  // namespace pplx
