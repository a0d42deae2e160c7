# SPDX-License-Identifier: Apache-2.0
# Checks the layer check (cmake/check_layers.cmake) on fixture/, a tree with one upward include of
# each kind and allowed ones beside them: it must fail and name exactly the violations below.
#   cmake -DCHECK=cmake/check_layers.cmake -DFIXTURE=tests/layers/fixture -P tests/layers/check_layers_test.cmake

cmake_minimum_required(VERSION 3.18)

set(_expected
  "distributions/detail/params.h:2: distributions must not include <pplx/message.h> (core)"
  "handlers/lift.cpp:4: <pplx/unknown/thing.h> belongs to no layer (base < distributions < core < handlers < optim < infer < nn < umbrella)"
  "handlers/lift.cpp:5: handlers must not include <pplx/infer/svi.h> (infer)"
  "handlers/lift.h:3: handlers must not include <pplx/nn/prior.h> (nn)"
  "infer/autoguide/guide.cpp:2: infer must not include <pplx/nn/prior.h> (nn)"
  "optim/adam.h:3: optim must not include <pplx/infer/svi.h> (infer)"
  "pplx/module.h:4: core must not include <pplx/handlers/lift.h> (handlers)"
  "pplx/nn/prior.h:3: nn must not include <pplx/pplx.h> (umbrella)"
  "pplx/validation.cpp:3: base must not include <pplx/primitives.h> (core)")

execute_process(COMMAND "${CMAKE_COMMAND}" -DPPLX_SOURCE_DIR=${FIXTURE} -P "${CHECK}"
                RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(_result EQUAL 0)
  message(FATAL_ERROR "the layer check passed a tree with upward includes:\n${_err}")
endif()
# The violation lines, in the check's order (sorted by file).
string(REPLACE ";" "_" _err_text "${_err}")
string(REPLACE "\n" ";" _lines "${_err_text}")
list(FILTER _lines INCLUDE REGEX "^[^ ]+:[0-9]+: ")
if(NOT _lines STREQUAL _expected)
  string(REPLACE ";" "\n  " _got "${_lines}")
  string(REPLACE ";" "\n  " _want "${_expected}")
  message(FATAL_ERROR "the layer check reported\n  ${_got}\ninstead of\n  ${_want}")
endif()
message("layer check self-test: the fixture's 9 upward includes are reported, the allowed ones are not")
