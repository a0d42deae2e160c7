// SPDX-License-Identifier: Apache-2.0
// KL divergence between distributions: an analytic registry keyed by the dynamic types of p and q
// (torch.distributions.kl).
#pragma once

#include <functional>
#include <string>
#include <typeindex>

#include <ATen/ATen.h>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// KL(p || q) = E_p[log p(x) - log q(x)], with shape broadcast(p.batch_shape, q.batch_shape); +inf
/// where q's support does not cover p's. Throws pplx::NotImplementedError naming both families
/// when no closed form is registered for (typeid(p), typeid(q)).
///
///   auto kl = dist::kl_divergence(dist::Normal(0.0, 1.0), dist::Normal(1.0, 2.0));
at::Tensor kl_divergence(const Distribution& p, const Distribution& q);
at::Tensor kl_divergence(const DistPtr& p, const DistPtr& q);

/// Whether kl_divergence(p, q) has a closed form (never throws).
bool has_kl(const Distribution& p, const Distribution& q) noexcept;
bool has_kl(const DistPtr& p, const DistPtr& q) noexcept;

/// A type-erased KL function; see register_kl for the typed form.
using KLFunction = std::function<at::Tensor(const Distribution& p, const Distribution& q)>;

/// Registers (or replaces) the KL function for the exact dynamic types (p_type, q_type). Lookup
/// matches exact types only: a subclass needs its own entry. Thread-safe.
void register_kl(std::type_index p_type, std::type_index q_type, KLFunction fn);

/// Typed registration: `fn(const P&, const Q&)` returns KL(p || q).
///
///   dist::register_kl<MyDist, dist::Normal>([](const MyDist& p, const dist::Normal& q) { ... });
template <class P, class Q, class F>
void register_kl(F fn) {
  register_kl(std::type_index(typeid(P)), std::type_index(typeid(Q)),
              [fn](const Distribution& p, const Distribution& q) {
                return fn(static_cast<const P&>(p), static_cast<const Q&>(q));
              });
}

}  // namespace distributions
}  // namespace pplx
