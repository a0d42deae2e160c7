// SPDX-License-Identifier: Apache-2.0
#include <pplx/distributions/one_hot_categorical.h>

#include <pplx/distributions/detail/params.h>
#include <pplx/distributions/detail/random.h>

namespace pplx {
namespace distributions {

template class detail::Parametric<OneHotCategorical, CategoricalParams>;

OneHotCategorical::OneHotCategorical(at::Tensor probs) : OneHotCategorical(CategoricalParams{std::move(probs), {}}) {}

OneHotCategorical::OneHotCategorical(CategoricalParams params)
    : Parametric("OneHotCategorical", detail::normalize_categorical(std::move(params), "OneHotCategorical")) {
  detail::complete_categorical(p_);
  event_shape_ = {num_events()};
}

OneHotCategorical OneHotCategorical::with_probs(at::Tensor probs) {
  return OneHotCategorical(CategoricalParams{std::move(probs), {}});
}
OneHotCategorical OneHotCategorical::with_logits(at::Tensor logits) {
  return OneHotCategorical(CategoricalParams{{}, std::move(logits)});
}

at::Tensor OneHotCategorical::sample(c10::IntArrayRef sample_shape, Generator gen) const {
  auto indices = detail::categorical_sample(p_.probs, sample_shape, batch_shape(), gen);
  return at::one_hot(indices, num_events()).to(p_.probs.scalar_type());
}

at::Tensor OneHotCategorical::log_prob(const at::Tensor& value) const {
  validate_sample(value);
  return detail::categorical_log_prob(p_.logits, std::get<1>(value.max(-1)));
}

}  // namespace distributions
}  // namespace pplx
