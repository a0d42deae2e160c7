# SPDX-License-Identifier: Apache-2.0
# The layer check: every library file includes only <pplx/...> headers (or "pplx/...") of its own
# layer or of a lower one, so that the layers point one way. Lowest first:
#
#   base           pplx/error.h, pplx/validation.h, pplx/validation.cpp (errors, the validation switch)
#   distributions  distributions/ (and distributions/detail/)
#   core           the other files directly in pplx/ (the runtime: primitives, messages, plates, ...)
#   handlers       handlers/
#   optim          optim/
#   infer          infer/ (and infer/autoguide/); infer may include optim (SVI steps an optimizer)
#   nn             pplx/nn/
#   umbrella       pplx/pplx.h (includes everything)
#
# Run as a CTest test ("layers", label "lint"):
#   cmake -DPPLX_SOURCE_DIR=<source tree> -P cmake/check_layers.cmake
# Prints each violation as `file:line: <layer> must not include <header> (<its layer>)` and fails
# when there is one. A fix moves the code to the layer it belongs in; there is no exception list.

cmake_minimum_required(VERSION 3.18)

set(_layers base distributions core handlers optim infer nn umbrella)
string(JOIN " < " _layer_order ${_layers})
set(_library_dirs pplx handlers distributions infer optim)

# The layer of a file or header, given as a path relative to the <pplx/...> include root (the
# source tree keeps handlers/, infer/, ... at the top; users include them as <pplx/handlers/...>).
function(_pplx_layer_of path out)
  if(path MATCHES "^(error\\.h|validation\\.h|validation\\.cpp)$")
    set(layer base)
  elseif(path STREQUAL "pplx.h")
    set(layer umbrella)
  elseif(path MATCHES "^(distributions|handlers|optim|infer|nn)/")
    set(layer "${CMAKE_MATCH_1}")
  elseif(NOT path MATCHES "/")
    set(layer core)
  else()
    set(layer "")  # not part of any layer: <pplx/unknown/...>
  endif()
  set(${out} "${layer}" PARENT_SCOPE)
endfunction()

function(_pplx_rank layer out)
  list(FIND _layers "${layer}" rank)
  set(${out} ${rank} PARENT_SCOPE)
endfunction()

if(NOT PPLX_SOURCE_DIR)
  message(FATAL_ERROR "check_layers.cmake: pass -DPPLX_SOURCE_DIR=<source tree>")
endif()
get_filename_component(PPLX_SOURCE_DIR "${PPLX_SOURCE_DIR}" ABSOLUTE)

set(_files "")
foreach(dir IN LISTS _library_dirs)
  file(GLOB_RECURSE _found RELATIVE "${PPLX_SOURCE_DIR}" "${PPLX_SOURCE_DIR}/${dir}/*.h"
       "${PPLX_SOURCE_DIR}/${dir}/*.cpp")
  list(APPEND _files ${_found})
endforeach()
list(SORT _files)

set(_violations 0)
foreach(file IN LISTS _files)
  # pplx/X is <pplx/X>, handlers/X is <pplx/handlers/X>, ...
  string(REGEX REPLACE "^pplx/" "" _as_included "${file}")
  _pplx_layer_of("${_as_included}" _file_layer)
  _pplx_rank("${_file_layer}" _file_rank)

  # One list element per line: characters that CMake's list splitting treats specially go first.
  file(READ "${PPLX_SOURCE_DIR}/${file}" _text)
  string(REGEX REPLACE "[][;\\\\]" "_" _text "${_text}")
  string(REPLACE "\n" ";" _lines "${_text}")
  set(_line_no 0)
  foreach(_line IN LISTS _lines)
    math(EXPR _line_no "${_line_no} + 1")
    if(NOT _line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]pplx/([^>\"]+)[>\"]")
      continue()
    endif()
    set(_header "${CMAKE_MATCH_1}")
    _pplx_layer_of("${_header}" _header_layer)
    if(_header_layer STREQUAL "")
      message("${file}:${_line_no}: <pplx/${_header}> belongs to no layer (${_layer_order})")
      math(EXPR _violations "${_violations} + 1")
      continue()
    endif()
    _pplx_rank("${_header_layer}" _header_rank)
    if(_header_rank GREATER _file_rank)
      message("${file}:${_line_no}: ${_file_layer} must not include <pplx/${_header}> (${_header_layer})")
      math(EXPR _violations "${_violations} + 1")
    endif()
  endforeach()
endforeach()

list(LENGTH _files _count)
if(_violations GREATER 0)
  message(FATAL_ERROR "layer check: ${_violations} include(s) in ${_count} files point up a layer. Layers, "
                      "lowest first: ${_layer_order}. Move the code to the layer it belongs in.")
endif()
message("layer check: ${_count} files, every <pplx/...> include points down or sideways")
