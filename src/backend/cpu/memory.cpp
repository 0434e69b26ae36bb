// CPU memory: 64-byte aligned blocks (a cache line, and what AVX-512 loads like).
#include <cstdlib>

#include "backend/cpu/cpu_backend.h"
#include "core/check.h"

namespace nabla {
namespace cpu {

void* CpuBackend::allocate(size_t nbytes) {
  constexpr size_t kAlign = 64;
  const size_t rounded = (nbytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded == 0 ? kAlign : rounded);
  NABLA_CHECK(p != nullptr, "[allocate] out of memory allocating {} bytes on the CPU", nbytes);
  return p;
}

void CpuBackend::deallocate(void* ptr) { std::free(ptr); }

CpuBackend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

}  // namespace cpu

Backend& backend_for(Device device) {
  NABLA_CHECK(device.is_cpu(), "[device] nabla was built without a backend for {}", device.str());
  return cpu::cpu_backend();
}

}  // namespace nabla
