// Elementwise loops over strided operands. Legend: N operands (operand 0 is the output), all
// already broadcast to one shape; strides are in elements and may be 0 (broadcast).
//
// Dimensions that are laid out back to back in every operand are merged first, so a
// contiguous tensor is one flat row and the inner loop is a plain loop the compiler vectorizes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

/// Runs fn(begin, end) over [0, n) for an elementwise map, whose every element comes out the
/// same however [0, n) is split: on the caller below `grain` elements, else in even parts, one
/// per thread and at most one per `grain` elements (multiples of 16 elements, a cache line of
/// floats), as PyTorch's at::parallel_for splits. Until 2026-12 the caller ran everything below
/// two grains, so a batch of 64 Fashion-MNIST images (50176 elements) was converted by one
/// thread. On a 2-vCPU AMD EPYC VM whose cores were slow to hand each other lines (writing 200
/// KB that both cores had read and then evicted took 27-34 us, against 2-7 us otherwise), the
/// MLP's `to(kFloat32).div(255)` went from 43 to 29 us per step in halves, and its epoch on 2
/// threads from 0.348-0.354 to 0.332-0.340 s (the two builds alternated, three runs each).
template <class Fn>
void parallel_map(int64_t n, int64_t grain, Fn&& fn) {
  detail::sync_fp_mode();
  const int64_t parts = std::min<int64_t>(detail::num_threads(), (n + grain - 1) / grain);
  if (n < grain || parts <= 1) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  const int64_t part = ((n + parts - 1) / parts + 15) / 16 * 16;
  detail::parallel_for(n, part, fn);
}

/// Geometry shared by N operands after merging dims: sizes plus each operand's strides.
template <size_t N>
struct LoopShape {
  std::vector<int64_t> sizes;                   // innermost last
  std::vector<std::array<int64_t, N>> strides;  // per dim, per operand
  int64_t numel = 1;
};

template <size_t N>
LoopShape<N> make_loop_shape(IntArrayRef sizes, const std::array<const Tensor*, N>& ops) {
  LoopShape<N> s;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;  // size-1 dims never move the pointers
    std::array<int64_t, N> st;
    for (size_t k = 0; k < N; ++k) st[k] = ops[k]->strides()[d];
    if (!s.sizes.empty()) {
      // Merge with the previous dim when every operand steps over it contiguously.
      bool mergeable = true;
      for (size_t k = 0; k < N; ++k) mergeable &= s.strides.back()[k] == st[k] * sizes[d];
      if (mergeable) {
        s.sizes.back() *= sizes[d];
        s.strides.back() = st;
        continue;
      }
    }
    s.sizes.push_back(sizes[d]);
    s.strides.push_back(st);
  }
  for (int64_t n : s.sizes) s.numel *= n;
  if (sizes.empty() || s.sizes.empty()) {
    // A single element: one row of length 1 (or zero when some size is 0).
    int64_t n = 1;
    for (int64_t v : sizes) n *= v;
    s.sizes = {n};
    s.strides = {std::array<int64_t, N>{}};
    s.numel = n;
  }
  return s;
}

/// Calls row(ptrs, inner_strides, n) for runs of elements along the innermost merged dim,
/// splitting the work over threads for large tensors. ptrs are typed by the caller's casts.
template <size_t N, class Row>
void for_each_row(const LoopShape<N>& s, const std::array<char*, N>& base,
                  const std::array<int64_t, N>& elem_size, Row&& row, int64_t grain = 32768) {
  const int64_t ndim = static_cast<int64_t>(s.sizes.size());
  const int64_t inner = s.sizes[ndim - 1];
  std::array<int64_t, N> inner_bytes;
  for (size_t k = 0; k < N; ++k) inner_bytes[k] = s.strides[ndim - 1][k] * elem_size[k];
  auto run = [&](int64_t begin, int64_t end) {
    // Multi-index of `begin`, innermost last.
    std::vector<int64_t> idx(ndim, 0);
    int64_t rem = begin;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      idx[d] = rem % s.sizes[d];
      rem /= s.sizes[d];
    }
    int64_t pos = begin;
    while (pos < end) {
      std::array<char*, N> p;
      for (size_t k = 0; k < N; ++k) {
        int64_t off = 0;
        for (int64_t d = 0; d < ndim; ++d) off += idx[d] * s.strides[d][k];
        p[k] = base[k] + off * elem_size[k];
      }
      const int64_t n = std::min(inner - idx[ndim - 1], end - pos);
      row(p, inner_bytes, n);
      pos += n;
      idx[ndim - 1] += n;
      for (int64_t d = ndim - 1; d > 0 && idx[d] == s.sizes[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  };
  if (s.numel < 2 * grain) {
    detail::sync_fp_mode();
    run(0, s.numel);
  } else {
    detail::parallel_for(s.numel, grain, run);
  }
}

template <class Out, class... In, class F, size_t... I>
inline void row_apply(const std::array<char*, sizeof...(In) + 1>& p,
                      const std::array<int64_t, sizeof...(In) + 1>& st, int64_t n, F& f,
                      std::index_sequence<I...>) {
  Out* o = reinterpret_cast<Out*>(p[0]);
  std::tuple<const In*...> in{reinterpret_cast<const In*>(p[I + 1])...};
  bool contiguous = st[0] == sizeof(Out);
  ((contiguous = contiguous && st[I + 1] == sizeof(std::tuple_element_t<I, std::tuple<In...>>)),
   ...);
  if (contiguous) {
    // The hot path: plain arrays, vectorized by the compiler.
    for (int64_t i = 0; i < n; ++i) o[i] = f(std::get<I>(in)[i]...);
    return;
  }
  if constexpr (sizeof...(In) == 2) {
    // Tensor op broadcast scalar, and scalar op tensor.
    using A = std::tuple_element_t<0, std::tuple<In...>>;
    using B = std::tuple_element_t<1, std::tuple<In...>>;
    const A* a = std::get<0>(in);
    const B* b = std::get<1>(in);
    if (st[0] == sizeof(Out) && st[1] == sizeof(A) && st[2] == 0) {
      const B bv = *b;
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
      return;
    }
    if (st[0] == sizeof(Out) && st[1] == 0 && st[2] == sizeof(B)) {
      const A av = *a;
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i)
    *reinterpret_cast<Out*>(p[0] + i * st[0]) =
        f(*reinterpret_cast<const In*>(p[I + 1] + i * st[I + 1])...);
}

/// Byte steps when every operand is one flat run: contiguous (step = element size) or a
/// broadcast single element (step 0). False otherwise (the general strided loop is needed).
template <size_t N>
bool flat_steps(const std::array<const Tensor*, N>& ops, const std::array<int64_t, N>& esize,
                std::array<int64_t, N>& steps) {
  if (!ops[0]->is_contiguous()) return false;
  for (size_t k = 0; k < N; ++k) {
    if (ops[k]->is_contiguous()) {
      steps[k] = esize[k];
      continue;
    }
    for (int64_t st : ops[k]->strides())
      if (st != 0) return false;
    steps[k] = 0;
  }
  return true;
}

/// out[i] = f(in0[i], ...): the typed elementwise loop every map-style kernel uses.
/// Out and In... are element types; `out` and every input already have the same shape
/// (inputs broadcast with zero strides).
template <class Out, class... In, class F>
void map_kernel(const Tensor& out, const std::array<const Tensor*, sizeof...(In)>& inputs, F f) {
  constexpr size_t N = sizeof...(In) + 1;
  std::array<const Tensor*, N> ops;
  ops[0] = &out;
  for (size_t k = 0; k < sizeof...(In); ++k) ops[k + 1] = inputs[k];
  const std::array<int64_t, N> esize{static_cast<int64_t>(sizeof(Out)),
                                     static_cast<int64_t>(sizeof(In))...};
  std::array<int64_t, N> steps;
  if (flat_steps<N>(ops, esize, steps)) {
    // The common case (same-shape contiguous operands, or a scalar against a tensor): one flat
    // loop, without building a loop shape.
    std::array<char*, N> base;
    for (size_t k = 0; k < N; ++k) base[k] = static_cast<char*>(ops[k]->data_ptr());
    parallel_map(out.numel(), 32768, [&](int64_t begin, int64_t end) {
      std::array<char*, N> p;
      for (size_t k = 0; k < N; ++k) p[k] = base[k] + begin * steps[k];
      row_apply<Out, In...>(p, steps, end - begin, f, std::index_sequence_for<In...>{});
    });
    return;
  }
  LoopShape<N> shape = make_loop_shape<N>(out.sizes(), ops);
  if (shape.numel == 0) return;
  std::array<char*, N> base;
  for (size_t k = 0; k < N; ++k) base[k] = static_cast<char*>(ops[k]->data_ptr());
  for_each_row<N>(shape, base, esize,
                  [&](const std::array<char*, N>& p, const std::array<int64_t, N>& st, int64_t n) {
                    row_apply<Out, In...>(p, st, n, f, std::index_sequence_for<In...>{});
                  });
}

}  // namespace nabla::cpu
