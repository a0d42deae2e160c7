// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/binomial.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {
namespace {
BinomialParams exactly_one(BinomialParams p) {
  PPLX_CHECK_AS(ValueError, p.total_count.defined(), "Binomial: total_count is undefined");
  PPLX_CHECK_AS(ValueError, p.probs.defined() != p.logits.defined(),
                "Binomial: give exactly one of probs or logits (use Binomial::with_probs / with_logits)");
  return p;
}
}  // namespace

template class detail::Parametric<Binomial, BinomialParams>;

Binomial::Binomial(ParamArg total_count, ParamArg probs)
    : Binomial(with_probs(std::move(total_count), std::move(probs))) {}

Binomial::Binomial(BinomialParams params) : Parametric("Binomial", exactly_one(std::move(params))) {
  if (p_.probs.defined()) {
    auto c = detail::clamp_probs(p_.probs);
    p_.logits = c.log() - (-c).log1p();
  } else {
    p_.probs = at::sigmoid(p_.logits);
  }
}

Binomial Binomial::with_probs(ParamArg total_count, ParamArg probs) {
  auto opts = ParamArg::common_options({&probs, &total_count});
  return Binomial(BinomialParams{total_count.resolve(opts), probs.resolve(opts), {}});
}
Binomial Binomial::with_logits(ParamArg total_count, ParamArg logits) {
  auto opts = ParamArg::common_options({&logits, &total_count});
  return Binomial(BinomialParams{total_count.resolve(opts), {}, logits.resolve(opts)});
}

at::Tensor Binomial::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto shape = extended_shape(sample_shape);
  return detail::binomial(p_.total_count.expand(shape), p_.probs.expand(shape), gen);
}

// torch's stable form: k log p + (n - k) log(1 - p) = k logit - n max(logit, 0) - n log1p(e^-|logit|).
at::Tensor Binomial::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  auto k = value.is_floating_point() ? value : value.to(p_.logits.scalar_type());
  const auto& n = p_.total_count;
  const auto& logits = p_.logits;
  auto log_factorial_n = at::lgamma(n + 1);
  auto log_factorial_k = at::lgamma(k + 1);
  auto log_factorial_nmk = at::lgamma(n - k + 1);
  auto clamp_by_zero = (logits.clamp_min(0) + logits - logits.clamp_max(0)) / 2;
  auto normalize_term = n * clamp_by_zero + n * (-logits.abs()).exp().log1p() - log_factorial_n;
  return k * logits - log_factorial_k - log_factorial_nmk - normalize_term;
}

// Sums -p log p over the whole support 0..n, which is why n must be the same everywhere.
at::Tensor Binomial::entropy() const {
  if (p_.total_count.numel() == 0) return at::zeros(batch_shape(), p_.probs.options());
  const double n_max = p_.total_count.max().item<double>();
  const double n_min = p_.total_count.min().item<double>();
  if (n_max != n_min)
    throw NotImplementedError("Binomial.entropy(): total_count varies across the batch (from ", n_min, " to ", n_max,
                              "); only a homogeneous total_count is supported");
  std::vector<int64_t> shape(batch_shape().size() + 1, 1);
  shape[0] = -1;
  auto values = at::arange(n_max + 1, p_.probs.options()).reshape(shape);
  auto lp = log_prob(values);
  return -(lp.exp() * lp).sum(0);
}

constraints::ConstraintPtr Binomial::support() const {
  return constraints::integer_interval(at::zeros({}, p_.total_count.options().dtype(at::kLong)), p_.total_count);
}

}  // namespace distributions
}  // namespace pplx
