// SPDX-License-Identifier: Apache-2.0
// Saving a trained Bayesian network's posterior and loading it elsewhere (another process, another
// module class with the same site names).
#pragma once

#include <string>

#include <c10/core/Device.h>
#include <c10/util/Optional.h>
#include <torch/nn/module.h>

namespace pplx {
namespace nn {

/// Writes the posterior of `module` to `path` (a pplx archive of kind "posterior": versioned,
/// checksummed, written atomically). Each Bayesian layer's sites are named as by
/// set_site_names(prefix, module), and each site "<s>" is stored as two tensors, "<s>.loc" and
/// "<s>.scale" of Normal(loc, scale), with the prior's description as metadata: the file describes
/// the distribution, not this module's parametrization (rho), so any program that knows the site
/// names can use it. The network's other trainable parameters and its buffers (e.g. batch norm
/// statistics) are stored as "module:<path>". Throws pplx::IOError.
///
///   pplx::nn::save_posterior("bnn.pplx", "net", *net);
void save_posterior(const std::string& path, const std::string& prefix, torch::nn::Module& module);

/// Loads a file written by save_posterior into `module`, whose sites are named with `prefix`.
/// Every site and tensor of the module must be in the file with the same shape, and the file must
/// hold nothing else; otherwise pplx::IOError lists the differences. Values are copied into the
/// module's own tensors (moved to their device).
void load_posterior(const std::string& path, const std::string& prefix, torch::nn::Module& module);

}  // namespace nn
}  // namespace pplx
