# Packaging test driver: cmake -DMODE=<mode> -DWORK_DIR=... -DCONSUMER_DIR=...
#   -DNABLA_SOURCE_DIR=... -DNABLA_BINARY_DIR=... -DCONFIG=... -DGENERATOR=... -DCXX=...
#   -P run.cmake
# Modes: install (cmake --install into WORK_DIR/prefix), find_package and pkg_config (build the
# consumer against that prefix), add_subdirectory (against the source tree, as a shared
# library: configured, and the consumer compiled but not linked) and fetchcontent (configure
# only).
cmake_minimum_required(VERSION 3.20)

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/${MODE})
if(NOT CONFIG)
  set(CONFIG Release)
endif()
cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " line)
    message(FATAL_ERROR "failed (${rc}): ${line}")
  endif()
endfunction()

function(run_consumer exe)
  execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer ok")
    message(FATAL_ERROR "${exe} failed (${rc})")
  endif()
endfunction()

function(configure_consumer)
  run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${build} -G ${GENERATOR}
      -DCMAKE_CXX_COMPILER=${CXX} ${ARGN})
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${NABLA_BINARY_DIR} --prefix ${prefix} --config ${CONFIG})
  file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
  foreach(expected include/nabla/nabla.h nablaConfig.cmake nablaConfigVersion.cmake
                   nablaTargets.cmake pkgconfig/nabla.pc doc/nabla/LICENSE)
    string(REGEX REPLACE "([.+])" "\\\\\\1" pattern "${expected}")
    if(NOT installed MATCHES "(^|;)([^;]*/)?${pattern}(;|$)")
      message(FATAL_ERROR "the install tree lacks ${expected}:\n${installed}")
    endif()
  endforeach()
  if(NOT installed MATCHES "libnabla\\.(a|so)")
    message(FATAL_ERROR "the install tree lacks libnabla:\n${installed}")
  endif()

elseif(MODE STREQUAL "find_package")
  file(REMOVE_RECURSE ${build})
  configure_consumer(-DNABLA_CONSUMER_MODE=package -DCMAKE_PREFIX_PATH=${prefix}
                     -DCMAKE_BUILD_TYPE=${CONFIG})
  run(${CMAKE_COMMAND} --build ${build} --config ${CONFIG})
  run_consumer(${build}/consumer)

elseif(MODE STREQUAL "pkg_config")
  file(REMOVE_RECURSE ${build})
  file(MAKE_DIRECTORY ${build})
  find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
  file(GLOB_RECURSE pc_file ${prefix}/*/nabla.pc)
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pc_dir})
  foreach(query cflags libs)
    # Without --static: what a user types first must link, whichever library was installed.
    set(args --${query} nabla)
    execute_process(COMMAND ${PKG_CONFIG} ${args} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE ${query} OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config ${args} failed")
    endif()
    message("pkg-config ${args}: ${${query}}")
    separate_arguments(${query} UNIX_COMMAND "${${query}}")
  endforeach()
  if(cflags MATCHES "fmt|nlohmann|openblas|fopenmp")
    message(FATAL_ERROR "nabla.pc leaks private dependencies into Cflags: ${cflags}")
  endif()
  run(${CXX} -std=c++17 -Wall -Wextra -Werror -pedantic ${cflags} ${CONSUMER_DIR}/main.cpp
      -o ${build}/consumer ${libs})
  run_consumer(${build}/consumer)

elseif(MODE STREQUAL "add_subdirectory")
  # Configured as a shared library, and the consumer compiled through nabla::nabla's usage
  # requirements. Not linked: that would build the whole library once more (three minutes of
  # CI, the longest test by far), and the sanitizer build (scripts/test.sh) links every test
  # program against a shared libnabla already.
  file(REMOVE_RECURSE ${build})
  configure_consumer(-DNABLA_CONSUMER_MODE=subdirectory -DNABLA_SOURCE_DIR=${NABLA_SOURCE_DIR}
                     -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Debug
                     "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g0")
  if(GENERATOR MATCHES "Ninja")
    run(${CMAKE_COMMAND} --build ${build} --target CMakeFiles/consumer.dir/main.cpp.o)
  endif()

elseif(MODE STREQUAL "fetchcontent")
  file(REMOVE_RECURSE ${build})
  configure_consumer(-DNABLA_CONSUMER_MODE=fetchcontent
                     -DFETCHCONTENT_SOURCE_DIR_NABLA=${NABLA_SOURCE_DIR}
                     -DFETCHCONTENT_FULLY_DISCONNECTED=ON -DCMAKE_BUILD_TYPE=${CONFIG})

else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
