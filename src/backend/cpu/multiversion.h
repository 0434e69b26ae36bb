// NABLA_CPU_CLONES: compiles a hot kernel function for AVX-512, AVX2 and the baseline, and
// picks one at load time by the CPU (GCC's function multiversioning). The library itself is
// built for plain x86-64, so that one binary runs everywhere and is fast where it can be.
#pragma once

// Not under ThreadSanitizer: the clones' ifunc resolvers run during relocation, before TSan's
// runtime is initialized, and crashed a TSan build before main(). GCC defines
// __SANITIZE_THREAD__ for -fsanitize=thread.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define NABLA_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NABLA_CPU_CLONES
#endif
