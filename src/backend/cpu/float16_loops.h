// Elementwise loops over the 16-bit floats (float16, bfloat16), computed in float32.
//
// A 16-bit op widens its operands to float32 a chunk at a time, runs the float32 kernel on the
// chunk and rounds the result once, as PyTorch computes them ("opmath"). So a 16-bit result is
// always the float32 path's result rounded, and each op instantiates only its float32 loop:
// the loops with the 16-bit conversions inlined were 46% of elementwise.cpp's machine code
// and of its compile time, the longest of the library's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "nabla/tensor.h"

namespace nabla::cpu {

/// A float32 kernel over one dense chunk: out[i] = f(in[0][i], ...) for i < n. `state` is what
/// `run` needs (a functor, a function pointer); it lives as long as the call it is passed to.
template <size_t NIn>
struct FloatChunkKernel {
  void (*run)(const void* state, const std::array<const float*, NIn>& in, float* out, int64_t n);
  const void* state;
};

/// out = kernel(inputs...) elementwise, for operands of one shape (inputs already broadcast,
/// strides may be 0). The ops give float16, bfloat16 or float32 inputs and one of those or bool
/// (nonzero -> true) as the output; copies to or from a 16-bit float may give any dtype on the
/// other side, converted as static_cast through float. Chunks are converted on the stack: no
/// copy of a whole operand.
template <size_t NIn>
void map_via_float32(const Tensor& out, const std::array<const Tensor*, NIn>& inputs,
                     FloatChunkKernel<NIn> kernel);

namespace float16_detail {
template <class F, size_t... I>
void run_functor(const void* state, const std::array<const float*, sizeof...(I)>& in, float* out,
                 int64_t n, std::index_sequence<I...>) {
  const F& f = *static_cast<const F*>(state);
  using Result = decltype(f(in[I][0]...));
  if constexpr (std::is_same_v<Result, bool>) {
    // Comparisons and isnan store 1 or 0; a select, which vectorizes where a cast did not.
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[I][i]...) ? 1.0f : 0.0f;
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[I][i]...);
  }
}
}  // namespace float16_detail

/// The chunk kernel that applies functor f (called with floats); f must outlive the map.
template <size_t NIn, class F>
FloatChunkKernel<NIn> functor_chunk(const F& f) {
  return {[](const void* state, const std::array<const float*, NIn>& in, float* out, int64_t n) {
            float16_detail::run_functor<F>(state, in, out, n, std::make_index_sequence<NIn>{});
          },
          &f};
}

}  // namespace nabla::cpu
