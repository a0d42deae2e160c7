# Finds pplx's dependencies (Debian packages only). A missing one stops configuration with the
# name of the package that provides it.

macro(pplx_require found package what)
  if(NOT ${found})
    message(FATAL_ERROR
      "pplx needs ${what}. On Debian: sudo apt-get install ${package}\n"
      "(or run the README's set-up command, which installs everything that is missing).")
  endif()
endmacro()

# LibTorch: Debian's libtorch-dev (1.13, CPU), or any LibTorch 2.x via CMAKE_PREFIX_PATH, e.g.
#   -DCMAKE_PREFIX_PATH=$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
find_package(Torch QUIET)
pplx_require(Torch_FOUND libtorch-dev "LibTorch (find_package(Torch))")
if(TORCH_CXX_FLAGS)
  # LibTorch's ABI flag must match; TorchConfig exports it only as a flags string.
  string(APPEND CMAKE_CXX_FLAGS " ${TORCH_CXX_FLAGS}")
endif()

find_package(Boost 1.66 QUIET)
pplx_require(Boost_FOUND libboost-dev "Boost.Hana (Boost headers >= 1.66)")
if(NOT TARGET Boost::headers)
  add_library(Boost::headers INTERFACE IMPORTED)
  set_target_properties(Boost::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Boost_INCLUDE_DIRS}")
endif()

find_package(ZLIB QUIET)
pplx_require(ZLIB_FOUND zlib1g-dev "zlib (the examples' .gz data files; the library itself does not use it)")

if(PPLX_BUILD_TESTS)
  find_package(doctest QUIET)
  pplx_require(doctest_FOUND doctest-dev "doctest (the test framework)")
endif()
