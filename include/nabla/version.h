// nabla's version: the macros for the preprocessor, nabla::version() for the library actually
// linked (they differ when a program is built against other headers than the library's).
// CMakeLists.txt checks at configure time that these macros match project(VERSION).
#pragma once

#define NABLA_VERSION_MAJOR 0
#define NABLA_VERSION_MINOR 1
#define NABLA_VERSION_PATCH 0
#define NABLA_VERSION_STRING "0.1.0"
/// MAJOR * 10000 + MINOR * 100 + PATCH, for #if NABLA_VERSION >= 100.
#define NABLA_VERSION \
  (NABLA_VERSION_MAJOR * 10000 + NABLA_VERSION_MINOR * 100 + NABLA_VERSION_PATCH)

namespace nabla {
/// The version of the linked library, "MAJOR.MINOR.PATCH".
const char* version();
}  // namespace nabla
