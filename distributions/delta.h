// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/hana/define_struct.hpp>

#include <pplx/distributions/distribution.h>

namespace pplx {
namespace distributions {

/// Delta's value and the log density it carries (of the batch shape).
struct DeltaParams {
  BOOST_HANA_DEFINE_STRUCT(DeltaParams, (at::Tensor, v), (at::Tensor, log_density));
};

/// Pyro's Delta: a point mass at `v` whose rightmost `event_dim` dims form one event;
/// log_prob is `log_density` at v and -inf elsewhere. Reparameterized (gradients flow to v).
class Delta : public Distribution {
 public:
  Delta(at::Tensor v, ParamArg log_density = 0.0, int64_t event_dim = 0);

  std::string name() const override { return "Delta"; }
  DistPtr clone() const override { return std::make_shared<Delta>(*this); }
  bool has_rsample() const override { return true; }
  at::Tensor rsample(c10::IntArrayRef sample_shape = {}, Generator gen = c10::nullopt) const override;
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor mean() const override { return p_.v; }
  at::Tensor variance() const override;
  constraints::ConstraintPtr support() const override;
  DistPtr expand(c10::IntArrayRef batch_shape) const override;
  DistPtr to(const at::TensorOptions& options) const override;

  const at::Tensor& v() const { return p_.v; }
  const at::Tensor& log_density() const { return p_.log_density; }

 private:
  Delta() : Distribution({}, {}) {}
  DeltaParams p_;
};

}  // namespace distributions
}  // namespace pplx
