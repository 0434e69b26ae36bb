// What nabla's oneDNN kernels share (conv_dnnl.cpp, matmul_dnnl.cpp): the CPU engine, one
// stream per thread, and a guard that runs oneDNN on the calling thread alone (nabla splits
// the work over its own threads, by rules that depend on the shapes only, so that the bits do
// not depend on the thread count). Include only where NABLA_HAVE_DNNL is defined.
#pragma once

#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

namespace nabla::cpu::dnnl_util {

inline dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

/// Whether bfloat16 kernels may run on oneDNN: the CPU multiplies bfloat16 in hardware
/// (AVX512-BF16; elsewhere oneDNN would emulate it, slower than nabla's float32 path) and
/// NABLA_DISABLE_DNNL is not 1. Read once.
inline bool bf16_hardware() {
  static const bool ok = [] {
    const char* v = std::getenv("NABLA_DISABLE_DNNL");
    if (v && std::strcmp(v, "1") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
  }();
  return ok;
}

/// This thread's stream on engine().
inline dnnl::stream& stream() {
  thread_local std::optional<dnnl::stream> s;
  if (!s) s.emplace(engine());
  return *s;
}

// Caps the calling thread's OpenMP team at one thread for its lifetime (the setting is per
// thread; the previous one is restored for other OpenMP users of the thread).
class OneOmpThread {
 public:
  OneOmpThread() : prev_(omp_get_max_threads()) {
    if (prev_ != 1) omp_set_num_threads(1);
  }
  ~OneOmpThread() {
    if (prev_ != 1) omp_set_num_threads(prev_);
  }
  OneOmpThread(const OneOmpThread&) = delete;
  OneOmpThread& operator=(const OneOmpThread&) = delete;

 private:
  int prev_;
};

}  // namespace nabla::cpu::dnnl_util
