// map_via_float32: the strided walk of loops.h, with each row converted to and from float32 in
// chunks on the stack. The conversions are the exact bit manipulations of nabla/half.h, in
// loops compiled for AVX-512, AVX2 and the baseline: every ISA gives the same bits.
#include "backend/cpu/float16_loops.h"

#include <algorithm>

#include "backend/cpu/loops.h"
#include "backend/cpu/multiversion.h"
#include "core/check.h"
#include "nabla/half.h"

namespace nabla::cpu {
namespace {

constexpr int64_t kChunk = 256;  // elements: 1 KB of float32 per operand, in L1

NABLA_CPU_CLONES void widen_half(const char* p, int64_t step, float* out, int64_t n) {
  if (step == 2) {
    const auto* h = reinterpret_cast<const uint16_t*>(p);
    for (int64_t i = 0; i < n; ++i) out[i] = detail::float_from_half_bits(h[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      out[i] = detail::float_from_half_bits(*reinterpret_cast<const uint16_t*>(p + i * step));
  }
}
NABLA_CPU_CLONES void widen_bfloat16(const char* p, int64_t step, float* out, int64_t n) {
  if (step == 2) {
    const auto* h = reinterpret_cast<const uint16_t*>(p);
    for (int64_t i = 0; i < n; ++i) out[i] = detail::float_from_bfloat16_bits(h[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      out[i] = detail::float_from_bfloat16_bits(*reinterpret_cast<const uint16_t*>(p + i * step));
  }
}
NABLA_CPU_CLONES void narrow_half(const float* x, char* p, int64_t step, int64_t n) {
  if (step == 2) {
    auto* h = reinterpret_cast<uint16_t*>(p);
    for (int64_t i = 0; i < n; ++i) h[i] = detail::half_bits_from_float(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<uint16_t*>(p + i * step) = detail::half_bits_from_float(x[i]);
  }
}
NABLA_CPU_CLONES void narrow_bfloat16(const float* x, char* p, int64_t step, int64_t n) {
  if (step == 2) {
    auto* h = reinterpret_cast<uint16_t*>(p);
    for (int64_t i = 0; i < n; ++i) h[i] = detail::bfloat16_bits_from_float(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<uint16_t*>(p + i * step) = detail::bfloat16_bits_from_float(x[i]);
  }
}
NABLA_CPU_CLONES void narrow_bool(const float* x, char* p, int64_t step, int64_t n) {
  if (step == 1) {
    auto* b = reinterpret_cast<bool*>(p);
    for (int64_t i = 0; i < n; ++i) b[i] = x[i] != 0.0f;
  } else {
    for (int64_t i = 0; i < n; ++i) *reinterpret_cast<bool*>(p + i * step) = x[i] != 0.0f;
  }
}

// The native dtypes, for copies between them and a 16-bit float: static_cast to and from float,
// which is all that Half's and BFloat16's own conversions do (they convert only through float).
template <class T>
void widen_native(const char* p, int64_t step, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(*reinterpret_cast<const T*>(p + i * step));
}
template <class T>
void narrow_native(const float* x, char* p, int64_t step, int64_t n) {
  for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p + i * step) = static_cast<T>(x[i]);
}

/// n elements of one operand, `step` bytes apart, as float32: in place when they already are
/// dense float32, else converted into buf.
const float* widen(const char* p, int64_t step, ScalarType dtype, float* buf, int64_t n) {
  switch (dtype) {
    case ScalarType::Float:
      if (step == sizeof(float)) return reinterpret_cast<const float*>(p);
      for (int64_t i = 0; i < n; ++i) buf[i] = *reinterpret_cast<const float*>(p + i * step);
      return buf;
    case ScalarType::Half:
      widen_half(p, step, buf, n);
      return buf;
    case ScalarType::BFloat16:
      widen_bfloat16(p, step, buf, n);
      return buf;
    case ScalarType::Double:
      widen_native<double>(p, step, buf, n);
      return buf;
    case ScalarType::Long:
      widen_native<int64_t>(p, step, buf, n);
      return buf;
    case ScalarType::Int:
      widen_native<int32_t>(p, step, buf, n);
      return buf;
    case ScalarType::Byte:
      widen_native<uint8_t>(p, step, buf, n);
      return buf;
    case ScalarType::Bool:
      widen_native<bool>(p, step, buf, n);
      return buf;
    default:
      NABLA_ERROR("[map_via_float32] unsupported input dtype {}", dtype);
  }
}

void narrow(const float* x, ScalarType dtype, char* p, int64_t step, int64_t n) {
  switch (dtype) {
    case ScalarType::Float:
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<float*>(p + i * step) = x[i];
      return;
    case ScalarType::Half:
      return narrow_half(x, p, step, n);
    case ScalarType::BFloat16:
      return narrow_bfloat16(x, p, step, n);
    case ScalarType::Bool:
      return narrow_bool(x, p, step, n);
    case ScalarType::Double:
      return narrow_native<double>(x, p, step, n);
    case ScalarType::Long:
      return narrow_native<int64_t>(x, p, step, n);
    case ScalarType::Int:
      return narrow_native<int32_t>(x, p, step, n);
    case ScalarType::Byte:
      return narrow_native<uint8_t>(x, p, step, n);
    default:
      NABLA_ERROR("[map_via_float32] unsupported output dtype {}", dtype);
  }
}

}  // namespace

template <size_t NIn>
void map_via_float32(const Tensor& out, const std::array<const Tensor*, NIn>& inputs,
                     FloatChunkKernel<NIn> kernel) {
  constexpr size_t N = NIn + 1;
  std::array<const Tensor*, N> ops;
  ops[0] = &out;
  std::array<ScalarType, N> dtypes;
  std::array<int64_t, N> esize;
  for (size_t k = 0; k < N; ++k) {
    if (k > 0) ops[k] = inputs[k - 1];
    dtypes[k] = ops[k]->scalar_type();
    esize[k] = static_cast<int64_t>(ops[k]->element_size());
  }
  LoopShape<N> shape = make_loop_shape<N>(out.sizes(), ops);
  if (shape.numel == 0) return;
  std::array<char*, N> base;
  for (size_t k = 0; k < N; ++k) base[k] = static_cast<char*>(ops[k]->data_ptr());
  const bool out_is_float = dtypes[0] == ScalarType::Float;
  for_each_row<N>(
      shape, base, esize,
      [&](const std::array<char*, N>& p, const std::array<int64_t, N>& step, int64_t n) {
        alignas(64) float in_buf[NIn][kChunk];
        alignas(64) float out_buf[kChunk];
        for (int64_t c = 0; c < n; c += kChunk) {
          const int64_t m = std::min(kChunk, n - c);
          std::array<const float*, NIn> in;
          for (size_t k = 0; k < NIn; ++k)
            in[k] = widen(p[k + 1] + c * step[k + 1], step[k + 1], dtypes[k + 1], in_buf[k], m);
          char* o = p[0] + c * step[0];
          if (out_is_float && step[0] == sizeof(float)) {
            kernel.run(kernel.state, in, reinterpret_cast<float*>(o), m);
          } else {
            kernel.run(kernel.state, in, out_buf, m);
            narrow(out_buf, dtypes[0], o, step[0], m);
          }
        }
      });
}

template void map_via_float32<1>(const Tensor&, const std::array<const Tensor*, 1>&,
                                 FloatChunkKernel<1>);
template void map_via_float32<2>(const Tensor&, const std::array<const Tensor*, 2>&,
                                 FloatChunkKernel<2>);

}  // namespace nabla::cpu
