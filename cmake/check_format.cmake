# The formatting check (CTest "format"): every C++ file of the tree is as .clang-format says.
#   cmake -DCLANG_FORMAT=/usr/bin/clang-format-14 -DSOURCE_DIR=<repo> -P cmake/check_format.cmake
# Fails listing the files clang-format would change; fix them with
#   clang-format-14 -i $(git ls-files '*.h' '*.cpp')
set(_dirs pplx handlers distributions infer optim tests examples bench cmake)
set(_files)
foreach(dir IN LISTS _dirs)
  file(GLOB_RECURSE _found "${SOURCE_DIR}/${dir}/*.h" "${SOURCE_DIR}/${dir}/*.cpp")
  list(APPEND _files ${_found})
endforeach()
list(FILTER _files EXCLUDE REGEX "/tests/data/")
# The layer check's fixture: its line numbers are part of the expected output (its .clang-format
# disables formatting, which --dry-run would still report for include order).
list(FILTER _files EXCLUDE REGEX "/tests/layers/fixture/")
set(_bad)
foreach(f IN LISTS _files)
  execute_process(COMMAND "${CLANG_FORMAT}" --style=file --dry-run --Werror "${f}"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
    list(APPEND _bad "${rel}")
  endif()
endforeach()
list(LENGTH _files _n)
if(_bad)
  list(JOIN _bad "\n  " _list)
  message(FATAL_ERROR "format: these files differ from .clang-format (fix: ${CLANG_FORMAT} -i <file>):\n  ${_list}")
endif()
message(STATUS "format: ${_n} files match .clang-format")
