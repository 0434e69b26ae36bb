// Random kernels: Philox 4x32-10 with key = seed and counter = (offset + i) for element i (in
// row-major order of `out`), so the values never depend on how the work is split over threads.
#include <cmath>
#include <numbers>

#include "backend/cpu/cpu_backend.h"
#include "core/dispatch.h"
#include "core/generator.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {
namespace {

constexpr int64_t kGrain = 8192;

// Fills `out` with gen(element index), writing through a contiguous buffer when `out` is a
// strided view so that index i is always the i-th element in row-major order.
template <class T, class Gen>
void fill_indexed(const Tensor& out, Gen gen) {
  Tensor dst = out.is_contiguous() ? out : detail::make_tensor(out.sizes(), out.scalar_type());
  T* data = static_cast<T*>(dst.data_ptr());
  detail::parallel_for(dst.numel(), kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) data[i] = gen(static_cast<uint64_t>(i));
  });
  if (!dst.is_same(out)) cpu_backend().copy(dst, out);
}

// A uniform value in [0, 1) with as many random bits as T's mantissa holds (24 or 53).
template <class T>
double unit_uniform(const std::array<uint32_t, 4>& w) {
  if constexpr (std::is_same_v<T, float>) {
    return detail::uniform_float(w[0]);
  } else {
    return detail::uniform_double(w[0], w[1]);
  }
}

}  // namespace

void CpuBackend::random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                                double to) {
  detail::dispatch_floating(out.scalar_type(), "uniform_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const double range = to - from;
    // from + range * u can round up to `to` in T; the largest T below `to` keeps [from, to).
    const T top = static_cast<T>(to);
    const T below_top = std::nextafter(top, static_cast<T>(from));
    fill_indexed<T>(out, [=](uint64_t i) {
      const T v = static_cast<T>(from + range * unit_uniform<T>(detail::philox(offset + i, seed)));
      return (v >= top && range > 0) ? below_top : v;
    });
  });
}

void CpuBackend::random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                               double std) {
  detail::dispatch_floating(out.scalar_type(), "normal_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_indexed<T>(out, [=](uint64_t i) {
      // Box-Muller from two 53-bit uniforms; u1 is in (0, 1] so log(u1) is finite.
      const auto w = detail::philox(offset + i, seed);
      const double u1 = 1.0 - detail::uniform_double(w[0], w[1]);
      const double u2 = detail::uniform_double(w[2], w[3]);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      return static_cast<T>(mean + std * z);
    });
  });
}

}  // namespace nabla::cpu
