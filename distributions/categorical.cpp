// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/categorical.h>

#include <limits>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {
namespace detail {

// torch normalizes before validating, so unnormalized probs are fine and the simplex check
// only rejects negative entries (or a zero sum, which gives NaN).
CategoricalParams normalize_categorical(CategoricalParams p, const char* family) {
  PPLX_CHECK_AS(ValueError, p.probs.defined() != p.logits.defined(), family,
                ": give exactly one of probs or logits (use ", family, "::with_probs / with_logits)");
  at::Tensor& t = p.probs.defined() ? static_cast<at::Tensor&>(p.probs) : p.logits;
  const char* n = p.probs.defined() ? "probs" : "logits";
  PPLX_CHECK_AS(ValueError, t.dim() >= 1, family, ": parameter '", n,
                "' must be at least one-dimensional (its last dim holds the categories), got shape ",
                shape_str(t.sizes()));
  PPLX_CHECK_AS(ValueError, t.size(-1) >= 1, family, ": parameter '", n, "' of shape ", shape_str(t.sizes()),
                " has no categories");
  if (!at::isFloatingType(t.scalar_type())) t = t.to(at::typeMetaToScalarType(at::get_default_dtype()));
  if (p.probs.defined()) p.probs = p.probs / p.probs.sum(-1, true);
  else p.logits = p.logits - p.logits.logsumexp(-1, true);
  return p;
}

void complete_categorical(CategoricalParams& p) {
  if (p.probs.defined()) p.logits = clamp_probs(p.probs).log();
  else p.probs = at::softmax(p.logits, -1);
}

at::Tensor categorical_sample(const at::Tensor& probs, c10::IntArrayRef sample_shape, c10::IntArrayRef batch_shape,
                              const Generator& gen) {
  std::vector<int64_t> shape(sample_shape.begin(), sample_shape.end());
  shape.insert(shape.end(), batch_shape.begin(), batch_shape.end());
  const int64_t n = c10::multiply_integers(sample_shape);
  if (n == 0 || probs.numel() == 0) return at::empty(shape, probs.options().dtype(at::kLong));
  auto probs_2d = probs.reshape({-1, probs.size(-1)});
  return multinomial(probs_2d, n, gen).t().reshape(shape);
}

at::Tensor categorical_log_prob(const at::Tensor& logits, const at::Tensor& indices) {
  at::Tensor index = (indices.scalar_type() == at::kLong ? indices : indices.to(at::kLong)).unsqueeze(-1);
  // One label per row of logits (an observed batch): gather as it is, no broadcast.
  if (index.sizes().slice(0, index.dim() - 1) == logits.sizes().slice(0, logits.dim() - 1))
    return logits.gather(-1, index).squeeze(-1);
  auto both = at::broadcast_tensors({index, logits});
  return both[1].gather(-1, both[0].narrow(-1, 0, 1)).squeeze(-1);
}

at::Tensor categorical_entropy(const CategoricalParams& p) {
  // logits are -inf where with_logits gave -inf; clamping to the lowest finite value keeps
  // 0 * -inf = NaN out of the sum (torch clamps to finfo.min the same way).
  const double lowest = p.logits.scalar_type() == at::kDouble ? std::numeric_limits<double>::lowest()
                                                              : std::numeric_limits<float>::lowest();
  return -(p.logits.clamp_min(lowest) * p.probs).sum(-1);
}

}  // namespace detail

template class detail::Parametric<Categorical, CategoricalParams>;

Categorical::Categorical(at::Tensor probs) : Categorical(CategoricalParams{std::move(probs), {}}) {}

Categorical::Categorical(CategoricalParams params)
    : Parametric("Categorical", detail::normalize_categorical(std::move(params), "Categorical")) {
  detail::complete_categorical(p_);
}

Categorical Categorical::with_probs(at::Tensor probs) { return Categorical(CategoricalParams{std::move(probs), {}}); }
Categorical Categorical::with_logits(at::Tensor logits) {
  return Categorical(CategoricalParams{{}, std::move(logits)});
}

at::Tensor Categorical::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  return detail::categorical_sample(p_.probs, sample_shape, batch_shape(), gen);
}

at::Tensor Categorical::log_prob(const at::Tensor& value) const {
  if (is_validation_enabled()) {
    PPLX_CHECK_AS(ValueError, value.defined(), "Categorical: log_prob() got an undefined tensor");
    PPLX_CHECK_AS(ValueError, at::isIntegralType(value.scalar_type(), /*includeBool=*/false),
                  "Categorical: values are category indices and must have an integer dtype (e.g. torch::kLong), got ",
                  value.scalar_type(), " of shape ", shape_str(value.sizes()),
                  "; convert labels with .to(torch::kLong)");
  }
  validate_sample(value);
  return detail::categorical_log_prob(p_.logits, value);
}

at::Tensor Categorical::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), p_.probs.options());
}
at::Tensor Categorical::variance() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), p_.probs.options());
}
at::Tensor Categorical::entropy() const { return detail::categorical_entropy(p_); }

// Host bounds, as torch's integer_interval(0, num_events - 1): no tensor to build per call, and
// an equal support built at the next step is recognised by validation's memory.
constraints::ConstraintPtr Categorical::support() const {
  return constraints::integer_interval(0.0, static_cast<double>(num_events() - 1));
}

}  // namespace distributions
}  // namespace pplx
