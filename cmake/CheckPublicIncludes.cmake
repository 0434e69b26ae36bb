# cmake -DINCLUDE_DIR=<dir> -P CheckPublicIncludes.cmake
cmake_minimum_required(VERSION 3.20)
# Public headers may include only the C++ standard library and other nabla headers, so that a
# consumer never needs nabla's private dependencies (fmt, nlohmann_json, OpenBLAS, zlib).
set(standard_headers
  algorithm any array atomic bit bitset cassert cctype cerrno cfloat charconv chrono cinttypes
  climits clocale cmath codecvt compare complex concepts condition_variable cstdarg cstddef
  cstdint cstdio cstdlib cstring ctime cwchar deque exception execution filesystem forward_list
  fstream functional future initializer_list iomanip ios iosfwd iostream istream iterator limits
  list locale map memory memory_resource mutex new numbers numeric optional ostream queue random
  ranges ratio regex scoped_allocator set shared_mutex sstream stack stdexcept streambuf string
  string_view system_error thread tuple type_traits typeindex typeinfo unordered_map
  unordered_set utility valarray variant vector version)

get_filename_component(INCLUDE_DIR "${INCLUDE_DIR}" ABSOLUTE)
file(GLOB_RECURSE headers RELATIVE ${INCLUDE_DIR} ${INCLUDE_DIR}/*.h)
set(bad "")
foreach(header ${headers})
  file(STRINGS ${INCLUDE_DIR}/${header} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    if(NOT line MATCHES "#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      string(APPEND bad "  ${header}: cannot parse '${line}'\n")
      continue()
    endif()
    set(included ${CMAKE_MATCH_1})
    if(included MATCHES "^nabla/")
      if(NOT EXISTS ${INCLUDE_DIR}/${included})
        string(APPEND bad "  ${header}: ${included} is not a public header\n")
      endif()
    elseif(NOT included IN_LIST standard_headers)
      string(APPEND bad "  ${header}: ${included} is not a standard library header\n")
    endif()
  endforeach()
endforeach()

list(LENGTH headers count)
if(bad)
  message(FATAL_ERROR "public headers must include only the standard library and nabla/:\n${bad}")
endif()
message(STATUS "${count} public headers include only the standard library and nabla/")
