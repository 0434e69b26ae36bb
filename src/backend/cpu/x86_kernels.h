// For hand-written AVX-512/AVX2 kernels (sgemm.cpp, conv_direct.cpp). Include it only there:
// it turns off two GCC warnings for the rest of the including file.
#pragma once

// NABLA_X86_INTRINSICS is 1 where such kernels are compiled (x86-64 with GCC), and
// NABLA_TARGET_AVX512/AVX2 compile one function for that ISA inside a library built for plain
// x86-64; callers check the CPU at run time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers initialize "undefined" vectors from themselves and then warn about
// it at -O3 (GCC bug 105593, fixed in 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#define NABLA_X86_INTRINSICS 1
#define NABLA_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define NABLA_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif
