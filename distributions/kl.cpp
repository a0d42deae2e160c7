// SPDX-License-Identifier: Apache-2.0
// Closed forms follow torch.distributions.kl (torch 1.13) and Pyro 1.8 (Independent, Masked).
#include <pplx/distributions/kl.h>

#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>

#include <pplx/distributions/bernoulli.h>
#include <pplx/distributions/beta.h>
#include <pplx/distributions/categorical.h>
#include <pplx/distributions/detail/linalg.h>
#include <pplx/distributions/dirichlet.h>
#include <pplx/distributions/exponential.h>
#include <pplx/distributions/gamma.h>
#include <pplx/distributions/independent.h>
#include <pplx/distributions/laplace.h>
#include <pplx/distributions/log_normal.h>
#include <pplx/distributions/masked.h>
#include <pplx/distributions/multivariate_normal.h>
#include <pplx/distributions/non_reparameterized.h>
#include <pplx/distributions/normal.h>
#include <pplx/distributions/uniform.h>
#include <pplx/error.h>

namespace pplx {
namespace distributions {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

at::Tensor kl_normal_normal(const at::Tensor& p_loc, const at::Tensor& p_scale, const at::Tensor& q_loc,
                            const at::Tensor& q_scale) {
  auto var_ratio = (p_scale / q_scale).pow(2);
  auto t1 = ((p_loc - q_loc) / q_scale).pow(2);
  return 0.5 * (var_ratio + t1 - 1 - var_ratio.log());
}

at::Tensor kl_bernoulli(const Bernoulli& p, const Bernoulli& q) {
  auto t1 = p.probs() * (at::softplus(-q.logits()) - at::softplus(-p.logits()));
  t1 = at::where(q.probs() == 0, kInf, t1);
  t1 = at::where(p.probs() == 0, 0.0, t1);
  auto t2 = (1 - p.probs()) * (at::softplus(q.logits()) - at::softplus(p.logits()));
  t2 = at::where(q.probs() == 1, kInf, t2);
  t2 = at::where(p.probs() == 1, 0.0, t2);
  return t1 + t2;
}

at::Tensor kl_categorical(const Categorical& p, const Categorical& q) {
  auto t = p.probs() * (p.logits() - q.logits());
  t = at::where(q.probs() == 0, kInf, t);
  t = at::where(p.probs() == 0, 0.0, t);
  return t.sum(-1);
}

at::Tensor kl_beta(const Beta& p, const Beta& q) {
  auto sum_p = p.concentration1() + p.concentration0();
  auto sum_q = q.concentration1() + q.concentration0();
  auto t1 = q.concentration1().lgamma() + q.concentration0().lgamma() + sum_p.lgamma();
  auto t2 = p.concentration1().lgamma() + p.concentration0().lgamma() + sum_q.lgamma();
  auto t3 = (p.concentration1() - q.concentration1()) * p.concentration1().digamma();
  auto t4 = (p.concentration0() - q.concentration0()) * p.concentration0().digamma();
  auto t5 = (sum_q - sum_p) * sum_p.digamma();
  return t1 - t2 + t3 + t4 + t5;
}

at::Tensor kl_gamma(const Gamma& p, const Gamma& q) {
  auto t1 = q.concentration() * (p.rate() / q.rate()).log();
  auto t2 = q.concentration().lgamma() - p.concentration().lgamma();
  auto t3 = (p.concentration() - q.concentration()) * p.concentration().digamma();
  auto t4 = (q.rate() - p.rate()) * (p.concentration() / p.rate());
  return t1 + t2 + t3 + t4;
}

at::Tensor kl_dirichlet(const Dirichlet& p, const Dirichlet& q) {
  auto sum_p = p.concentration().sum(-1);
  auto sum_q = q.concentration().sum(-1);
  auto t1 = sum_p.lgamma() - sum_q.lgamma();
  auto t2 = (p.concentration().lgamma() - q.concentration().lgamma()).sum(-1);
  auto t3 = p.concentration() - q.concentration();
  auto t4 = p.concentration().digamma() - sum_p.digamma().unsqueeze(-1);
  return t1 - t2 + (t3 * t4).sum(-1);
}

at::Tensor kl_mvn(const MultivariateNormal& p, const MultivariateNormal& q) {
  PPLX_CHECK_AS(ShapeError, p.event_shape() == q.event_shape(),
                "kl_divergence(MultivariateNormal, MultivariateNormal): event shapes differ: ",
                shape_str(p.event_shape()), " vs ", shape_str(q.event_shape()));
  const auto& pl = p.scale_tril();
  const auto& ql = q.scale_tril();
  auto half_term1 = ql.diagonal(0, -2, -1).log().sum(-1) - pl.diagonal(0, -2, -1).log().sum(-1);
  const int64_t n = p.event_shape()[0];
  auto batch = at::infer_size(ql.sizes().slice(0, ql.dim() - 2), pl.sizes().slice(0, pl.dim() - 2));
  batch.insert(batch.end(), {n, n});
  auto sol = at::linalg_solve_triangular(ql.expand(batch), pl.expand(batch), /*upper=*/false);
  auto term2 = sol.pow(2).sum({-2, -1});
  auto term3 = detail::batch_mahalanobis(ql, q.loc() - p.loc());
  return half_term1 + 0.5 * (term2 + term3 - static_cast<double>(n));
}

at::Tensor kl_exponential(const Exponential& p, const Exponential& q) {
  auto rate_ratio = q.rate() / p.rate();
  return -rate_ratio.log() + rate_ratio - 1;
}

at::Tensor kl_laplace(const Laplace& p, const Laplace& q) {
  auto scale_ratio = p.scale() / q.scale();
  auto loc_abs_diff = (p.loc() - q.loc()).abs();
  auto t1 = -scale_ratio.log();
  auto t2 = loc_abs_diff / q.scale();
  auto t3 = scale_ratio * (-loc_abs_diff / p.scale()).exp();
  return t1 + t2 + t3 - 1;
}

at::Tensor kl_uniform(const Uniform& p, const Uniform& q) {
  auto result = ((q.high() - q.low()) / (p.high() - p.low())).log();
  return at::where((q.low() > p.low()).logical_or(q.high() < p.high()), kInf, result);
}

// Pyro's rule: the dims both reinterpret are summed after the KL of what remains, so
// Independent(p, 2) vs Independent(q, 1) reduces to Independent(p', 1) vs q'.
std::pair<DistPtr, DistPtr> strip_shared_dims(const Independent& p, const Independent& q, int64_t* shared) {
  *shared = std::min(p.reinterpreted_batch_ndims(), q.reinterpreted_batch_ndims());
  const int64_t pn = p.reinterpreted_batch_ndims() - *shared;
  const int64_t qn = q.reinterpreted_batch_ndims() - *shared;
  DistPtr pb = pn ? std::make_shared<Independent>(p.base_dist(), pn) : p.base_dist();
  DistPtr qb = qn ? std::make_shared<Independent>(q.base_dist(), qn) : q.base_dist();
  return {pb, qb};
}

at::Tensor kl_independent(const Independent& p, const Independent& q) {
  int64_t shared = 0;
  auto pq = strip_shared_dims(p, q, &shared);
  return sum_rightmost(kl_divergence(*pq.first, *pq.second), shared);
}

at::Tensor kl_masked(const MaskedDistribution& p, const MaskedDistribution& q) {
  auto kl = kl_divergence(*p.base_dist(), *q.base_dist());
  auto mask = p.mask_tensor().logical_and(q.mask_tensor());
  return at::where(mask, kl, at::zeros({}, kl.options()));
}

struct Entry {
  KLFunction fn;
  // Whether fn applies to this particular pair (combinators depend on their bases).
  std::function<bool(const Distribution&, const Distribution&)> applies;
};

class Registry {
 public:
  Registry() {
    add<Normal, Normal>(
        [](const Normal& p, const Normal& q) { return kl_normal_normal(p.loc(), p.scale(), q.loc(), q.scale()); });
    // KL is invariant under the shared bijection exp, so LogNormals compare as their Normals.
    add<LogNormal, LogNormal>([](const LogNormal& p, const LogNormal& q) {
      return kl_normal_normal(p.loc(), p.scale(), q.loc(), q.scale());
    });
    add<Bernoulli, Bernoulli>(kl_bernoulli);
    add<Categorical, Categorical>(kl_categorical);
    add<Beta, Beta>(kl_beta);
    add<Gamma, Gamma>(kl_gamma);
    add<Dirichlet, Dirichlet>(kl_dirichlet);
    add<MultivariateNormal, MultivariateNormal>(kl_mvn);
    add<Exponential, Exponential>(kl_exponential);
    add<Laplace, Laplace>(kl_laplace);
    add<Uniform, Uniform>(kl_uniform);
    add<Independent, Independent>(kl_independent, [](const Distribution& p, const Distribution& q) {
      int64_t shared = 0;
      auto pq = strip_shared_dims(static_cast<const Independent&>(p), static_cast<const Independent&>(q), &shared);
      return has_kl(*pq.first, *pq.second);
    });
    add<MaskedDistribution, MaskedDistribution>(kl_masked, [](const Distribution& p, const Distribution& q) {
      return has_kl(*static_cast<const MaskedDistribution&>(p).base_dist(),
                    *static_cast<const MaskedDistribution&>(q).base_dist());
    });
  }

  void set(std::type_index p, std::type_index q, Entry e) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    table_[{p, q}] = std::move(e);
  }

  // Returns a copy so that the function runs without holding the lock (it may recurse).
  const Entry* find(std::type_index p, std::type_index q, Entry* out) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto it = table_.find({p, q});
    if (it == table_.end()) return nullptr;
    *out = it->second;
    return out;
  }

 private:
  template <class P, class Q, class F>
  void add(F fn, std::function<bool(const Distribution&, const Distribution&)> applies = nullptr) {
    table_[{std::type_index(typeid(P)), std::type_index(typeid(Q))}] =
        Entry{[fn](const Distribution& p, const Distribution& q) {
                return fn(static_cast<const P&>(p), static_cast<const Q&>(q));
              },
              std::move(applies)};
  }

  mutable std::shared_mutex mutex_;
  std::map<std::pair<std::type_index, std::type_index>, Entry> table_;
};

Registry& registry() {
  static Registry r;
  return r;
}

// with_rsample(false) changes how a distribution is sampled, not its density: KL sees the base.
const Distribution& density_of(const Distribution& d) {
  auto* off = dynamic_cast<const NonReparameterized*>(&d);
  return off ? *off->base_dist() : d;
}

}  // namespace

at::Tensor kl_divergence(const Distribution& p_in, const Distribution& q_in) {
  const Distribution& p = density_of(p_in);
  const Distribution& q = density_of(q_in);
  Entry e;
  if (!registry().find(typeid(p), typeid(q), &e))
    throw NotImplementedError("kl_divergence: no closed form registered for KL(", p.name(), " || ", q.name(),
                              "); register one with dist::register_kl<P, Q>(fn) or use "
                              "a Monte Carlo estimate (e.g. TraceELBO instead of TraceMeanFieldELBO)");
  return e.fn(p, q);
}

at::Tensor kl_divergence(const DistPtr& p, const DistPtr& q) {
  PPLX_CHECK_AS(ValueError, p && q, "kl_divergence: null distribution");
  return kl_divergence(*p, *q);
}

bool has_kl(const Distribution& p_in, const Distribution& q_in) noexcept {
  try {
    const Distribution& p = density_of(p_in);
    const Distribution& q = density_of(q_in);
    Entry e;
    if (!registry().find(typeid(p), typeid(q), &e)) return false;
    return !e.applies || e.applies(p, q);
  } catch (...) {
    return false;
  }
}

bool has_kl(const DistPtr& p, const DistPtr& q) noexcept { return p && q && has_kl(*p, *q); }

void register_kl(std::type_index p_type, std::type_index q_type, KLFunction fn) {
  PPLX_CHECK_AS(ValueError, static_cast<bool>(fn), "register_kl: empty function");
  registry().set(p_type, q_type, Entry{std::move(fn), nullptr});
}

}  // namespace distributions
}  // namespace pplx
