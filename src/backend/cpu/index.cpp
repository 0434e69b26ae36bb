// Indexing kernels: index_select, gather (read through an index), scatter, scatter_add,
// scatter_reduce and index_add (write or accumulate through an index). All four share one loop: the
// dims other than `dim` are walked by the strided row loop of loops.h (merged and split over
// threads), and `dim` is walked inside each row. A thread owns whole positions of the other dims,
// so the accumulating kernels never race. Every index is checked before anything is written.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/loops.h"
#include "core/dispatch.h"

namespace nabla::cpu {

namespace {

// `t` without dimension `dim` (a view for the loop over the other dims).
Tensor drop_dim(const Tensor& t, int64_t dim, IntArrayRef loop_sizes) {
  std::vector<int64_t> st = t.strides().vec();
  st.erase(st.begin() + dim);
  return detail::make_view(t, loop_sizes.vec(), std::move(st), t.storage_offset());
}

// An index of any shape (strided) checked against [0, size); raises before any write.
template <class I>
void check_indices(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  if (index.numel() == 0) return;
  const I* base = index.data_ptr<I>();
  LoopShape<1> shape = make_loop_shape<1>(index.sizes(), {&index});
  // Serial on purpose: an exception must not cross a parallel region.
  const int64_t inner = shape.sizes.back();
  const int64_t nd = static_cast<int64_t>(shape.sizes.size());
  std::vector<int64_t> pos(nd, 0);
  for (int64_t done = 0; done < shape.numel; done += inner) {
    int64_t off = 0;
    for (int64_t d = 0; d < nd; ++d) off += pos[d] * shape.strides[d][0];
    const int64_t st = shape.strides[nd - 1][0];
    for (int64_t e = 0; e < inner; ++e) {
      const int64_t v = static_cast<int64_t>(base[off + e * st]);
      NABLA_CHECK(v >= 0 && v < size,
                  "[{}] index {} is out of bounds for dimension {} with size {}", op, v, dim, size);
    }
    for (int64_t d = nd - 2; d >= 0; --d) {
      if (++pos[d] < shape.sizes[d]) break;
      pos[d] = 0;
    }
  }
}

// Geometry of one indexed loop. Operand 0 is written, operand 1 read, operand 2 is the index.
// Along `dim`, step j reads/writes at j * step, except on the indexed side, which uses
// index[j] * step. kScatter: the indexed side is the written one, and it accumulates.
struct DimGeometry {
  int64_t K;         // steps along dim
  int64_t dst_step;  // element strides along dim
  int64_t src_step;
  int64_t idx_step;
};

// Rows picked by an index are scattered over memory (a random minibatch of a dataset): each
// starts with a cache miss, and a TLB miss, that the hardware prefetcher cannot foresee. The
// row kRowsAhead steps on is requested while this one is copied, so that the misses overlap:
// 64 random rows of 784 bytes out of 47 MB took 5.7 us in turn and 2.5 us so (AMD EPYC Zen 5).
// Only the first kPrefetchBytes of a row: beyond that the hardware prefetcher has caught on.
constexpr int64_t kRowsAhead = 8, kPrefetchBytes = 2048;

// kWrite: the row will be written (index_add's destination).
template <bool kWrite, class T>
void prefetch_row(const T* row, int64_t n) {
  const char* bytes = reinterpret_cast<const char*>(row);
  const int64_t len = std::min<int64_t>(n * int64_t(sizeof(T)), kPrefetchBytes);
  for (int64_t b = 0; b < len; b += 64) __builtin_prefetch(bytes + b, kWrite ? 1 : 0);
}

// How a scattering kernel puts a value where one already is: scatter writes, scatter_add adds,
// scatter_reduce multiplies or keeps the larger or the smaller (NaN wins, as in PyTorch).
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_integral_v<T>)
    return false;
  else
    return std::isnan(static_cast<double>(v));
}
struct SetInto {
  template <class T>
  void operator()(T& place, T v) const {
    place = v;
  }
};
struct AddInto {
  template <class T>
  void operator()(T& place, T v) const {
    place += v;
  }
};
struct MulInto {
  template <class T>
  void operator()(T& place, T v) const {
    place = static_cast<T>(place * v);
  }
};
struct MaxInto {
  template <class T>
  void operator()(T& place, T v) const {
    if (v > place || is_nan(v)) place = v;
  }
};
struct MinInto {
  template <class T>
  void operator()(T& place, T v) const {
    if (v < place || is_nan(v)) place = v;
  }
};

// Steps j0..j1 along dim for a row of n positions of the other dims (byte strides st).
// kScatter: Combine{}(out[index], in) (write, add, ...); else out = in[index].
template <bool kScatter, class T, class I, class Combine = AddInto>
void indexed_row(const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n,
                 int64_t j0, int64_t j1, const DimGeometry& g) {
  T* out = reinterpret_cast<T*>(p[0]);
  const T* in = reinterpret_cast<const T*>(p[1]);
  const I* ix = reinterpret_cast<const I*>(p[2]);
  const int64_t ds = st[0] / int64_t(sizeof(T)), ss = st[1] / int64_t(sizeof(T)),
                is = st[2] / int64_t(sizeof(I));
  const Combine combine{};
  if (n > 1 && is == 0 && (ds == 1 || ss == 1)) {
    // The index is constant over the row and the row runs along memory: copy or add whole
    // rows (the index_select / index_add case).
    const bool contiguous = ds == 1 && ss == 1;
    for (int64_t j = j0; j < j1; ++j) {
      if (contiguous && j + kRowsAhead < j1) {
        const int64_t ahead = static_cast<int64_t>(ix[(j + kRowsAhead) * g.idx_step]);
        prefetch_row<kScatter>(kScatter ? out + ahead * g.dst_step : in + ahead * g.src_step, n);
      }
      const int64_t v = static_cast<int64_t>(ix[j * g.idx_step]);
      T* o = out + (kScatter ? v * g.dst_step : j * g.dst_step);
      const T* r = in + (kScatter ? j * g.src_step : v * g.src_step);
      if (contiguous) {
        if constexpr (kScatter && !std::is_same_v<Combine, SetInto>) {
          for (int64_t e = 0; e < n; ++e) combine(o[e], r[e]);
        } else {
          std::copy(r, r + n, o);
        }
      } else {
        for (int64_t e = 0; e < n; ++e) {
          if constexpr (kScatter)
            combine(o[e * ds], r[e * ss]);
          else
            o[e * ds] = r[e * ss];
        }
      }
    }
    return;
  }
  auto step = [&](int64_t e, int64_t j) {
    const int64_t v = static_cast<int64_t>(ix[e * is + j * g.idx_step]);
    if constexpr (kScatter) {
      combine(out[e * ds + v * g.dst_step], in[e * ss + j * g.src_step]);
    } else {
      out[e * ds + j * g.dst_step] = in[e * ss + v * g.src_step];
    }
  };
  // Walk memory in order: the row innermost when it is contiguous, else dim innermost.
  if (n > 1 && (ds == 1 || ss == 1)) {
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t e = 0; e < n; ++e) step(e, j);
  } else {
    for (int64_t e = 0; e < n; ++e)
      for (int64_t j = j0; j < j1; ++j) step(e, j);
  }
}

// Elements per thread's part, below which an indexing kernel stays on one thread; a gather of
// whole rows is split over threads from kGatherSplitBytes.
constexpr int64_t kGatherGrain = 32768, kGatherSplitBytes = 32768;

template <bool kScatter, class T, class I, class Combine = AddInto>
void indexed_loop(const Tensor& dst, const Tensor& src, const Tensor& idx, IntArrayRef loop_sizes,
                  int64_t dim, bool idx_1d, const DimGeometry& g) {
  const Tensor d = drop_dim(dst, dim, loop_sizes);
  const Tensor s = drop_dim(src, dim, loop_sizes);
  // A 1-D index (index_select, index_add) is the same for every position of the other dims.
  const Tensor i =
      !idx_1d ? drop_dim(idx, dim, loop_sizes)
              : detail::make_view(idx, loop_sizes.vec(), std::vector<int64_t>(loop_sizes.size(), 0),
                                  idx.storage_offset());
  LoopShape<3> shape = make_loop_shape<3>(loop_sizes, {&d, &s, &i});
  if (shape.numel == 0 || g.K == 0) return;
  const std::array<char*, 3> base{static_cast<char*>(d.data_ptr()),
                                  static_cast<char*>(s.data_ptr()),
                                  static_cast<char*>(i.data_ptr())};
  const std::array<int64_t, 3> esize{sizeof(T), sizeof(T), sizeof(I)};
  auto row = [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n,
                 int64_t j0,
                 int64_t j1) { indexed_row<kScatter, T, I, Combine>(p, st, n, j0, j1, g); };
  // Split the indices over threads (each j writes its own output slice, so this is race free)
  // where the other dims have few positions but there are many indices (embedding lookups), or
  // where whole rows are gathered, as a batch of images from a dataset: 64 random rows of 784
  // bytes out of 47 MB, a miss-bound copy that the other dims' split leaves on one thread.
  const int64_t bytes = g.K * shape.numel * static_cast<int64_t>(sizeof(T));
  const bool split_indices =
      !kScatter && (shape.numel < g.K || (g.K > 1 && bytes >= kGatherSplitBytes));
  if (split_indices) {
    detail::parallel_for(
        g.K, std::max<int64_t>(1, kGatherGrain / shape.numel), [&](int64_t j0, int64_t j1) {
          for_each_row<3>(
              shape, base, esize,
              [&](const auto& p, const auto& st, int64_t n) { row(p, st, n, j0, j1); },
              shape.numel + 1);
        });
    return;
  }
  for_each_row<3>(
      shape, base, esize, [&](const auto& p, const auto& st, int64_t n) { row(p, st, n, 0, g.K); },
      std::max<int64_t>(1, kGatherGrain / g.K));
}

std::vector<int64_t> without(IntArrayRef sizes, int64_t dim) {
  std::vector<int64_t> s = sizes.vec();
  s.erase(s.begin() + dim);
  return s;
}

template <class F>
void dispatch_index(const Tensor& index, const char* op, F&& f) {
  switch (index.scalar_type()) {
    case ScalarType::Long:
      return f(detail::TypeTag<int64_t>{});
    case ScalarType::Int:
      return f(detail::TypeTag<int32_t>{});
    default:
      break;
  }
  NABLA_ERROR("[{}] expected an int64 or int32 index, got {}", op, index.scalar_type());
}

// 0-d tensors behave as 1-D of size 1 in the kernels.
Tensor as_1d(const Tensor& t) {
  if (t.dim() > 0) return t;
  return detail::make_view(t, {1}, {1}, t.storage_offset());
}

}  // namespace

void CpuBackend::index_select(const Tensor& x_in, int64_t dim, const Tensor& index,
                              const Tensor& out_in) {
  const Tensor x = as_1d(x_in), out = as_1d(out_in), idx = as_1d(index);
  dispatch_index(idx, "index_select", [&](auto itag) {
    using I = typename decltype(itag)::type;
    check_indices<I>(idx, x.size(dim), dim, "index_select");
    detail::dispatch_all(x.scalar_type(), "index_select", [&](auto tag) {
      using T = typename decltype(tag)::type;
      indexed_loop<false, T, I>(out, x, idx, without(out.sizes(), dim), dim, true,
                                {idx.numel(), out.stride(dim), x.stride(dim), idx.stride(0)});
    });
  });
}

void CpuBackend::gather(const Tensor& x_in, int64_t dim, const Tensor& index,
                        const Tensor& out_in) {
  const Tensor x = as_1d(x_in), out = as_1d(out_in), idx = as_1d(index);
  dispatch_index(idx, "gather", [&](auto itag) {
    using I = typename decltype(itag)::type;
    check_indices<I>(idx, x.size(dim), dim, "gather");
    detail::dispatch_all(x.scalar_type(), "gather", [&](auto tag) {
      using T = typename decltype(tag)::type;
      indexed_loop<false, T, I>(out, x, idx, without(idx.sizes(), dim), dim, false,
                                {idx.size(dim), out.stride(dim), x.stride(dim), idx.stride(dim)});
    });
  });
}

namespace {
// out[... index[i] ...] combined with src[i] along dim (Combine: write, add, multiply, max, min),
// for scatter, scatter_add and scatter_reduce.
template <class Combine>
void scatter_into(const Tensor& out_in, int64_t dim, const Tensor& index, const Tensor& src_in,
                  const char* op) {
  const Tensor out = as_1d(out_in), src = as_1d(src_in), idx = as_1d(index);
  dispatch_index(idx, op, [&](auto itag) {
    using I = typename decltype(itag)::type;
    check_indices<I>(idx, out.size(dim), dim, op);
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      indexed_loop<true, T, I, Combine>(
          out, src, idx, without(idx.sizes(), dim), dim, false,
          {idx.size(dim), out.stride(dim), src.stride(dim), idx.stride(dim)});
    };
    if constexpr (std::is_same_v<Combine, SetInto>)
      detail::dispatch_all(out.scalar_type(), op, run);  // writing bool is fine
    else
      detail::dispatch_numeric(out.scalar_type(), op, run);
  });
}
}  // namespace

void CpuBackend::scatter_add(const Tensor& out, int64_t dim, const Tensor& index,
                             const Tensor& src) {
  scatter_into<AddInto>(out, dim, index, src, "scatter_add");
}

// As scatter_add, writing instead of adding; where an index repeats, the last write along dim
// wins (each position of the other dims is one task's, so this does not depend on threads).
void CpuBackend::scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_into<SetInto>(out, dim, index, src, "scatter");
}

// Each place's values combine in the order of dim, on one thread: the same bits on any number
// of threads.
void CpuBackend::scatter_reduce(const Tensor& out, int64_t dim, const Tensor& index,
                                const Tensor& src, ScatterReduce op) {
  switch (op) {
    case ScatterReduce::Sum:
      return scatter_into<AddInto>(out, dim, index, src, "scatter_reduce");
    case ScatterReduce::Prod:
      return scatter_into<MulInto>(out, dim, index, src, "scatter_reduce");
    case ScatterReduce::Amax:
      return scatter_into<MaxInto>(out, dim, index, src, "scatter_reduce");
    case ScatterReduce::Amin:
      return scatter_into<MinInto>(out, dim, index, src, "scatter_reduce");
  }
}

void CpuBackend::index_add(const Tensor& out_in, int64_t dim, const Tensor& index,
                           const Tensor& src_in) {
  const Tensor out = as_1d(out_in), src = as_1d(src_in), idx = as_1d(index);
  dispatch_index(idx, "index_add", [&](auto itag) {
    using I = typename decltype(itag)::type;
    check_indices<I>(idx, out.size(dim), dim, "index_add");
    detail::dispatch_numeric(out.scalar_type(), "index_add", [&](auto tag) {
      using T = typename decltype(tag)::type;
      indexed_loop<true, T, I>(out, src, idx, without(src.sizes(), dim), dim, true,
                               {idx.numel(), out.stride(dim), src.stride(dim), idx.stride(0)});
    });
  });
}

}  // namespace nabla::cpu
