# oneDNN (Debian's libdnnl-dev) as the imported target nabla_dnnl; nabla_dnnl_FOUND says
# whether it was found. Used by the build and by the installed nablaConfig.cmake (a static
# libnabla.a needs it at the consumer's link).
# Debian's dnnl-config.cmake requires OpenCL's development files (its libdnnl is built with the
# OpenCL GPU runtime) and fails hard without them, although CPU use needs neither; so the config
# package is asked only when OpenCL is found, else the header and library are found directly.
if(TARGET nabla_dnnl)
  set(nabla_dnnl_FOUND TRUE)
  return()
endif()
set(nabla_dnnl_FOUND FALSE)
# nabla caps oneDNN's OpenMP threads itself (omp_set_num_threads): it links libgomp, without
# compiling with -fopenmp.
find_package(OpenMP QUIET COMPONENTS CXX)
if(NOT OpenMP_CXX_FOUND)
  return()
endif()
find_package(OpenCL QUIET)
if(OpenCL_FOUND)
  find_package(dnnl CONFIG QUIET)
endif()
if(TARGET DNNL::dnnl)
  add_library(nabla_dnnl INTERFACE IMPORTED)
  target_link_libraries(nabla_dnnl INTERFACE DNNL::dnnl ${OpenMP_CXX_LIBRARIES})
  set(nabla_dnnl_FOUND TRUE)
else()
  find_path(NABLA_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(NABLA_DNNL_LIBRARY dnnl)
  if(NABLA_DNNL_INCLUDE_DIR AND NABLA_DNNL_LIBRARY)
    add_library(nabla_dnnl UNKNOWN IMPORTED)
    set_target_properties(nabla_dnnl PROPERTIES IMPORTED_LOCATION ${NABLA_DNNL_LIBRARY}
                                                INTERFACE_INCLUDE_DIRECTORIES
                                                ${NABLA_DNNL_INCLUDE_DIR}
                                                INTERFACE_LINK_LIBRARIES
                                                "${OpenMP_CXX_LIBRARIES}")
    set(nabla_dnnl_FOUND TRUE)
  endif()
endif()
