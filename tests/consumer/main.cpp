// SPDX-License-Identifier: Apache-2.0
// Built against the *installed* pplx by the consumer_project test.
#include <iostream>

#include <pplx/pplx.h>

int main() {
  namespace dist = pplx::distributions;
  auto model = [] { return pplx::sample("z", dist::Normal(0.0, 1.0)); };
  auto tr = pplx::handlers::trace(model).get_trace();
  if (tr.size() != 1 || !tr.contains("z")) return 1;
  std::cout << "consumer: ok, log_prob_sum=" << tr.log_prob_sum().item<double>() << "\n";
  return 0;
}
