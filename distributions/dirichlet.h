// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/detail/parametric.h>

namespace pplx {
namespace distributions {

/// Dirichlet's parameter: concentrations over the last dim (K), broadcast to the batch shape.
struct DirichletParams {
  BOOST_HANA_DEFINE_STRUCT(DirichletParams, (Param<constraints::positive, 1>, concentration));
};

/// Dirichlet(concentration) over the K-simplex (event_shape [K]); reparameterized (normalized
/// reparameterized gamma draws, formed in log space as a softmax so that tiny concentrations
/// sample correctly); components are clamped to >= tiny of their dtype.
///
///   auto d = dist::Dirichlet(torch::ones({3}));   // uniform on the 3-simplex
class Dirichlet : public detail::Parametric<Dirichlet, DirichletParams> {
 public:
  explicit Dirichlet(at::Tensor concentration);
  explicit Dirichlet(DirichletParams params);

  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;
  at::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::simplex; }

  const at::Tensor& concentration() const { return p_.concentration; }
};

extern template class detail::Parametric<Dirichlet, DirichletParams>;

}  // namespace distributions
}  // namespace pplx
