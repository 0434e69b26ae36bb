// CPU reductions: sum / prod / max / min / all / any over any set of dims, max / min with
// indices along one dim, and fused softmax / log-softmax.
//
// Every kernel sees its input as [outer, red, inner] (strides in elements): reduced dims that
// are laid out back to back keep the input's own strides, other layouts are first copied with
// the reduced dims moved last. Work is split over output elements only, and long rows are cut
// into fixed blocks, so results never depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "backend/cpu/multiversion.h"
#include "backend/cpu/softmax_rows.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

// Independent accumulators per run: they become vector registers, enough of them to hide the
// adds' latency (float sums accumulate in double: 4 AVX-512 registers of 8).
constexpr int64_t kLanes = 32;
constexpr int64_t kBlock = 4096;        // elements per partial result of a long row
constexpr int64_t kTile = 1024;         // inner elements handled together by column kernels
constexpr int64_t kGrainElems = 32768;  // input elements per parallel task, at least

// ---- geometry --------------------------------------------------------------------------

/// x seen as [outer, red, inner]; `holder` keeps a rearranged copy alive when one was needed.
struct Plan {
  const char* data = nullptr;
  int64_t outer = 1, red = 1, inner = 1;
  int64_t so = 0, sr = 0, si = 0;
  Tensor holder;
};

/// Plans a reduction of x over `dims` (sorted, unique).
Plan plan_reduce(const Tensor& x, IntArrayRef dims, int64_t out_numel) {
  Plan p;
  if (x.numel() == 0) {  // only reduced dims can be empty here: every output is the identity
    p.outer = out_numel;
    p.red = 0;
    return p;
  }
  std::vector<bool> reduced(x.dim(), false);
  for (int64_t d : dims) reduced[d] = true;
  // Drop size-1 dims, merge neighbours of the same kind that are laid out back to back.
  struct Group {
    int64_t size, stride;
    bool red;
  };
  std::vector<Group> gs;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t size = x.sizes()[d], stride = x.strides()[d];
    if (size == 1) continue;
    if (!gs.empty() && gs.back().red == reduced[d] && gs.back().stride == stride * size) {
      gs.back().size *= size;
      gs.back().stride = stride;
    } else {
      gs.push_back({size, stride, reduced[d]});
    }
  }
  // The layouts handled in place: [kept?] [reduced?] [kept?].
  size_t i = 0;
  Group outer{1, 0, false}, red{1, 0, true}, inner{1, 0, false};
  if (i < gs.size() && !gs[i].red) outer = gs[i++];
  if (i < gs.size() && gs[i].red) red = gs[i++];
  if (i < gs.size() && !gs[i].red) inner = gs[i++];
  if (i == gs.size()) {
    p.data = static_cast<const char*>(x.data_ptr());
    p.outer = outer.size, p.so = outer.stride;
    p.red = red.size, p.sr = red.stride;
    p.inner = inner.size, p.si = inner.stride;
    return p;
  }
  // Any other layout: copy with the kept dims first and the reduced dims last.
  std::vector<int64_t> sizes, strides;
  int64_t n_kept = 1, n_red = 1;
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (reduced[d] != (pass == 1)) continue;
      sizes.push_back(x.sizes()[d]);
      strides.push_back(x.strides()[d]);
      (pass == 0 ? n_kept : n_red) *= x.sizes()[d];
    }
  }
  p.holder = detail::make_tensor(sizes, x.scalar_type(), x.device());
  cpu_backend().copy(detail::make_view(x, sizes, strides, x.storage_offset()), p.holder);
  p.data = static_cast<const char*>(p.holder.data_ptr());
  p.outer = n_kept, p.so = n_red;
  p.red = n_red, p.sr = 1;
  return p;
}

/// Rows (one per output) are read along `red` when that is the denser direction.
bool use_rows(const Plan& p) { return p.inner == 1 || std::abs(p.sr) <= std::abs(p.si); }

/// Writes into `out` directly when contiguous, else through a contiguous buffer.
template <class Out, class F>
void with_contiguous_out(const Tensor& out, F&& f) {
  Tensor dst =
      out.is_contiguous() ? out : detail::make_tensor(out.sizes(), out.scalar_type(), out.device());
  f(dst.data_ptr<Out>());
  if (!dst.is_same(out)) cpu_backend().copy(dst, out);
}

// ---- the reduction ops -----------------------------------------------------------------

template <class Acc, class T>
inline Acc load(T v) {
  if constexpr (std::is_same_v<Acc, bool>)
    return v != T(0);
  else
    return static_cast<Acc>(v);
}
template <class Out, class Acc>
inline Out store(Acc v) {
  if constexpr (std::is_same_v<Out, bool>)
    return v != Acc(0);
  else
    return static_cast<Out>(v);
}

// Integer sums and products wrap around like PyTorch's; unsigned arithmetic makes that defined.
template <class T>
using SumAcc = std::conditional_t<detail::is_floating_v<T>, double, uint64_t>;

template <class Acc>
struct SumR {
  static Acc identity() { return Acc(0); }
  Acc operator()(Acc a, Acc b) const { return a + b; }
};
template <class Acc>
struct ProdR {
  static Acc identity() { return Acc(1); }
  Acc operator()(Acc a, Acc b) const { return a * b; }
};
template <class Acc>
inline Acc lowest() {
  if constexpr (detail::is_floating_v<Acc>)
    return -std::numeric_limits<Acc>::infinity();
  else
    return std::numeric_limits<Acc>::lowest();
}
template <class Acc>
inline Acc highest() {
  if constexpr (detail::is_floating_v<Acc>)
    return std::numeric_limits<Acc>::infinity();
  else
    return std::numeric_limits<Acc>::max();
}
// NaN wins, as in PyTorch: once the accumulator is NaN no comparison replaces it.
template <class Acc>
struct MaxR {
  static Acc identity() { return lowest<Acc>(); }
  Acc operator()(Acc a, Acc b) const { return (b > a || b != b) ? b : a; }
};
template <class Acc>
struct MinR {
  static Acc identity() { return highest<Acc>(); }
  Acc operator()(Acc a, Acc b) const { return (b < a || b != b) ? b : a; }
};
struct AllR {
  static bool identity() { return true; }
  bool operator()(bool a, bool b) const { return a && b; }
};
struct AnyR {
  static bool identity() { return false; }
  bool operator()(bool a, bool b) const { return a || b; }
};

// ---- the reduction loops ---------------------------------------------------------------

/// One run of at most kBlock elements, in kLanes interleaved accumulators combined pairwise.
/// Always inlined, so that it is compiled for the instruction set of the kernel calling it.
template <class Acc, class T, class Op>
[[gnu::always_inline]] inline Acc reduce_run(const T* p, int64_t n, int64_t stride, Op op) {
  Acc lane[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) lane[l] = Op::identity();
  int64_t i = 0;
  if (stride == 1) {
    for (; i + kLanes <= n; i += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) lane[l] = op(lane[l], load<Acc>(p[i + l]));
  } else {
    for (; i + kLanes <= n; i += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) lane[l] = op(lane[l], load<Acc>(p[(i + l) * stride]));
  }
  for (; i < n; ++i) lane[i % kLanes] = op(lane[i % kLanes], load<Acc>(p[i * stride]));
  for (int64_t w = kLanes / 2; w > 0; w /= 2)
    for (int64_t l = 0; l < w; ++l) lane[l] = op(lane[l], lane[l + w]);
  return lane[0];
}

template <class Acc, class T, class Op>
[[gnu::always_inline]] inline Acc reduce_row(const T* p, int64_t n, int64_t stride, Op op) {
  Acc acc = Op::identity();
  for (int64_t b = 0; b < n; b += kBlock)
    acc = op(acc, reduce_run<Acc>(p + b * stride, std::min(kBlock, n - b), stride, op));
  return acc;
}

/// The first element of output k's row.
template <class T>
const T* row_start(const Plan& pl, int64_t k) {
  return reinterpret_cast<const T*>(pl.data) + (k / pl.inner) * pl.so + (k % pl.inner) * pl.si;
}

/// Rows [begin, end) of the plan, one output each. Compiled for AVX-512, AVX2 and the baseline:
/// the lanes of reduce_run become vector registers of the widest kind the CPU has.
template <class T, class Out, class Acc, class Op>
NABLA_CPU_CLONES void reduce_row_range(const Plan& pl, Out* out, int64_t begin, int64_t end) {
  for (int64_t k = begin; k < end; ++k)
    out[k] = store<Out>(reduce_row<Acc>(row_start<T>(pl, k), pl.red, pl.sr, Op{}));
}

/// Blocks [begin, end) of rows cut into `blocks` blocks of kBlock: part[j] for block j % blocks
/// of row j / blocks.
template <class T, class Acc, class Op>
NABLA_CPU_CLONES void reduce_block_range(const Plan& pl, int64_t blocks, Acc* part, int64_t begin,
                                         int64_t end) {
  for (int64_t j = begin; j < end; ++j) {
    const int64_t b = (j % blocks) * kBlock;
    part[j] = reduce_run<Acc>(row_start<T>(pl, j / blocks) + b * pl.sr,
                              std::min(kBlock, pl.red - b), pl.sr, Op{});
  }
}

/// One output per row of `red` elements.
template <class T, class Out, class Acc, class Op>
void reduce_rows(const Plan& pl, Out* out, Op op) {
  const int64_t n_out = pl.outer * pl.inner;
  if (n_out < 16 && pl.red >= 4 * kBlock) {
    // Few long rows: the blocks of reduce_row run in parallel, then combine in the same order.
    const int64_t nb = (pl.red + kBlock - 1) / kBlock;
    std::unique_ptr<Acc[]> part(new Acc[n_out * nb]);
    detail::parallel_for(n_out * nb, 1, [&](int64_t begin, int64_t end) {
      reduce_block_range<T, Acc, Op>(pl, nb, part.get(), begin, end);
    });
    for (int64_t k = 0; k < n_out; ++k) {
      Acc acc = Op::identity();
      for (int64_t b = 0; b < nb; ++b) acc = op(acc, part[k * nb + b]);
      out[k] = store<Out>(acc);
    }
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrainElems / std::max<int64_t>(pl.red, 1));
  detail::parallel_for(n_out, grain, [&](int64_t begin, int64_t end) {
    reduce_row_range<T, Out, Acc, Op>(pl, out, begin, end);
  });
}

/// Tiles [begin, end) of outputs along a dense inner dim (see reduce_cols). Four input rows are
/// combined before they meet the accumulators, which saves three loads and stores of them.
template <class T, class Out, class Acc, class Op>
NABLA_CPU_CLONES void reduce_tile_range(const Plan& pl, Out* out, int64_t begin, int64_t end) {
  const T* base = reinterpret_cast<const T*>(pl.data);
  const int64_t tiles = (pl.inner + kTile - 1) / kTile;
  const Op op;
  Acc acc[kTile];
  for (int64_t j = begin; j < end; ++j) {
    const int64_t o = j / tiles, i0 = (j % tiles) * kTile, n = std::min(kTile, pl.inner - i0);
    for (int64_t i = 0; i < n; ++i) acc[i] = Op::identity();
    const T* p = base + o * pl.so + i0 * pl.si;
    int64_t r = 0;
    if (pl.si == 1) {
      for (; r + 4 <= pl.red; r += 4) {
        const T *q0 = p + r * pl.sr, *q1 = q0 + pl.sr, *q2 = q1 + pl.sr, *q3 = q2 + pl.sr;
        for (int64_t i = 0; i < n; ++i)
          acc[i] = op(acc[i], op(op(load<Acc>(q0[i]), load<Acc>(q1[i])),
                                 op(load<Acc>(q2[i]), load<Acc>(q3[i]))));
      }
    }
    for (; r < pl.red; ++r) {
      const T* q = p + r * pl.sr;
      for (int64_t i = 0; i < n; ++i) acc[i] = op(acc[i], load<Acc>(q[i * pl.si]));
    }
    Out* dst = out + o * pl.inner + i0;
    for (int64_t i = 0; i < n; ++i) dst[i] = store<Out>(acc[i]);
  }
}

/// Outputs along a dense inner dim: rows of `red` are accumulated into a tile of outputs.
template <class T, class Out, class Acc, class Op>
void reduce_cols(const Plan& pl, Out* out, Op) {
  const int64_t tiles = (pl.inner + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kGrainElems / std::max<int64_t>(pl.red * kTile, 1));
  detail::parallel_for(pl.outer * tiles, grain, [&](int64_t begin, int64_t end) {
    reduce_tile_range<T, Out, Acc, Op>(pl, out, begin, end);
  });
}

template <class T, class Out, class Acc, class Op>
void run_reduce(const Plan& pl, const Tensor& out) {
  with_contiguous_out<Out>(out, [&](Out* o) {
    if (use_rows(pl))
      reduce_rows<T, Out, Acc>(pl, o, Op{});
    else
      reduce_cols<T, Out, Acc>(pl, o, Op{});
  });
}

// ---- max / min with indices ------------------------------------------------------------

// `v` replaces the current best: strictly better (first index wins ties), or the first NaN.
template <bool IsMax, class T>
inline bool better(T v, T best) {
  if (best != best) return false;
  return v != v || (IsMax ? v > best : v < best);
}

template <bool IsMax, class T>
void arg_reduce_kernel(const Plan& pl, T* values, int64_t* indices) {
  const T* base = reinterpret_cast<const T*>(pl.data);
  if (use_rows(pl)) {
    const int64_t grain = std::max<int64_t>(1, kGrainElems / pl.red);
    detail::parallel_for(pl.outer * pl.inner, grain, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        const T* p = base + (k / pl.inner) * pl.so + (k % pl.inner) * pl.si;
        T best = p[0];
        int64_t idx = 0;
        for (int64_t r = 1; r < pl.red; ++r) {
          if (better<IsMax>(p[r * pl.sr], best)) best = p[r * pl.sr], idx = r;
        }
        values[k] = best;
        indices[k] = idx;
      }
    });
    return;
  }
  const int64_t tiles = (pl.inner + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kGrainElems / (pl.red * kTile));
  detail::parallel_for(pl.outer * tiles, grain, [&](int64_t begin, int64_t end) {
    T best[kTile];
    int64_t idx[kTile];
    for (int64_t j = begin; j < end; ++j) {
      const int64_t o = j / tiles, i0 = (j % tiles) * kTile, n = std::min(kTile, pl.inner - i0);
      const T* p = base + o * pl.so + i0 * pl.si;
      for (int64_t i = 0; i < n; ++i) best[i] = p[i * pl.si], idx[i] = 0;
      for (int64_t r = 1; r < pl.red; ++r) {
        const T* q = p + r * pl.sr;
        for (int64_t i = 0; i < n; ++i) {
          if (better<IsMax>(q[i * pl.si], best[i])) best[i] = q[i * pl.si], idx[i] = r;
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        values[o * pl.inner + i0 + i] = best[i];
        indices[o * pl.inner + i0 + i] = idx[i];
      }
    }
  });
}

// ---- softmax ---------------------------------------------------------------------------

/// One row shorter than kLanes (a classifier's logits), where the lanes below would only run
/// their scalar tails and fold 32 accumulators for a handful of values: the max, then e^(x - max)
/// summed in one double, then the scaling (64 rows of 10: 6.8 -> 2.9 us).
template <class T>
[[gnu::always_inline]] inline void softmax_short_row(const T* p, T* q, int64_t red, bool log) {
  T m = p[0];
  for (int64_t r = 1; r < red; ++r) m = MaxR<T>{}(m, p[r]);
  double sum = 0;
  if (log) {
    for (int64_t r = 0; r < red; ++r) sum += softmax_exp(p[r] - m);
    const T shift = static_cast<T>(m + std::log(sum));
    for (int64_t r = 0; r < red; ++r) q[r] = p[r] - shift;
  } else {
    for (int64_t r = 0; r < red; ++r) {
      q[r] = softmax_exp(p[r] - m);
      sum += q[r];
    }
    const T scale = static_cast<T>(1.0 / sum);
    for (int64_t r = 0; r < red; ++r) q[r] *= scale;
  }
}

/// Rows [begin, end) of a contiguous [outer, red] tensor into `out` (same layout): the row's
/// max, then e^(x - max) summed in kLanes double accumulators, then the scaling. Compiled for
/// AVX-512, AVX2 and the baseline.
template <class T>
NABLA_CPU_CLONES void softmax_row_range(const T* x, T* out, int64_t red, bool log, int64_t begin,
                                        int64_t end) {
  for (int64_t o = begin; o < end; ++o) {
    const T* p = x + o * red;
    T* q = out + o * red;
    if (red < kLanes) {
      softmax_short_row(p, q, red, log);
      continue;
    }
    const T m = reduce_row<T>(p, red, 1, MaxR<T>{});
    double lane[kLanes] = {};
    int64_t r = 0;
    if (log) {
      for (; r + kLanes <= red; r += kLanes)
        for (int64_t l = 0; l < kLanes; ++l) lane[l] += softmax_exp(p[r + l] - m);
      for (; r < red; ++r) lane[0] += softmax_exp(p[r] - m);
    } else {
      for (; r + kLanes <= red; r += kLanes)
        for (int64_t l = 0; l < kLanes; ++l) {
          q[r + l] = softmax_exp(p[r + l] - m);
          lane[l] += q[r + l];
        }
      for (; r < red; ++r) {
        q[r] = softmax_exp(p[r] - m);
        lane[0] += q[r];
      }
    }
    for (int64_t w = kLanes / 2; w > 0; w /= 2)
      for (int64_t l = 0; l < w; ++l) lane[l] += lane[l + w];
    if (log) {
      const T shift = static_cast<T>(m + std::log(lane[0]));
      for (int64_t i = 0; i < red; ++i) q[i] = p[i] - shift;
    } else {
      const T scale = static_cast<T>(1.0 / lane[0]);
      for (int64_t i = 0; i < red; ++i) q[i] *= scale;
    }
  }
}

template <class T>
void softmax_rows(const T* x, T* out, int64_t outer, int64_t red, bool log) {
  const int64_t grain = std::max<int64_t>(1, kGrainElems / std::max<int64_t>(red, 1));
  detail::parallel_for(outer, grain, [&](int64_t begin, int64_t end) {
    softmax_row_range(x, out, red, log, begin, end);
  });
}

template <class T>
void softmax_cols(const T* x, T* out, int64_t outer, int64_t red, int64_t inner, bool log) {
  const int64_t tiles = (inner + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kGrainElems / std::max<int64_t>(red * kTile, 1));
  detail::parallel_for(outer * tiles, grain, [&](int64_t begin, int64_t end) {
    T m[kTile];
    double sum[kTile];
    for (int64_t j = begin; j < end; ++j) {
      const int64_t o = j / tiles, i0 = (j % tiles) * kTile, n = std::min(kTile, inner - i0);
      const T* p = x + o * red * inner + i0;
      T* q = out + o * red * inner + i0;
      for (int64_t i = 0; i < n; ++i) m[i] = -std::numeric_limits<T>::infinity(), sum[i] = 0;
      for (int64_t r = 0; r < red; ++r)
        for (int64_t i = 0; i < n; ++i) m[i] = p[r * inner + i] > m[i] ? p[r * inner + i] : m[i];
      for (int64_t r = 0; r < red; ++r) {
        for (int64_t i = 0; i < n; ++i) {
          const T e = softmax_exp(p[r * inner + i] - m[i]);
          if (!log) q[r * inner + i] = e;
          sum[i] += e;
        }
      }
      if (log) {
        for (int64_t i = 0; i < n; ++i) m[i] = static_cast<T>(m[i] + std::log(sum[i]));
        for (int64_t r = 0; r < red; ++r)
          for (int64_t i = 0; i < n; ++i) q[r * inner + i] = p[r * inner + i] - m[i];
      } else {
        for (int64_t i = 0; i < n; ++i) m[i] = static_cast<T>(1.0 / sum[i]);
        for (int64_t r = 0; r < red; ++r)
          for (int64_t i = 0; i < n; ++i) q[r * inner + i] *= m[i];
      }
    }
  });
}

}  // namespace

void softmax_row_block(const float* x, float* out, int64_t red, bool log, int64_t begin,
                       int64_t end) {
  softmax_row_range(x, out, red, log, begin, end);
}
void softmax_row_block(const double* x, double* out, int64_t red, bool log, int64_t begin,
                       int64_t end) {
  softmax_row_range(x, out, red, log, begin, end);
}

void CpuBackend::reduce(ReduceOp op, const Tensor& x, IntArrayRef dims, const Tensor& out) {
  if (out.numel() == 0) return;
  const bool logical = op == ReduceOp::All || op == ReduceOp::Any;
  NABLA_CHECK(out.scalar_type() == (logical ? kBool : x.scalar_type()),
              "[reduce] internal: output dtype {} does not fit input dtype {}", out.scalar_type(),
              x.scalar_type());
  const Plan pl = plan_reduce(x, dims, out.numel());
  detail::dispatch_all(x.scalar_type(), "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case ReduceOp::Sum:
        return run_reduce<T, T, SumAcc<T>, SumR<SumAcc<T>>>(pl, out);
      case ReduceOp::Prod:
        return run_reduce<T, T, SumAcc<T>, ProdR<SumAcc<T>>>(pl, out);
      case ReduceOp::Max:
        return run_reduce<T, T, T, MaxR<T>>(pl, out);
      case ReduceOp::Min:
        return run_reduce<T, T, T, MinR<T>>(pl, out);
      case ReduceOp::All:
        return run_reduce<T, bool, bool, AllR>(pl, out);
      case ReduceOp::Any:
        return run_reduce<T, bool, bool, AnyR>(pl, out);
    }
  });
}

void CpuBackend::arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& values,
                            const Tensor& indices) {
  NABLA_CHECK(op == ReduceOp::Max || op == ReduceOp::Min,
              "[arg_reduce] internal: only max and min have indices");
  if (values.numel() == 0) return;
  NABLA_CHECK(x.numel() > 0, "[arg_reduce] internal: empty reduction dim");
  const int64_t d = x.dim() == 0 ? 0 : dim;
  const Plan pl = plan_reduce(x, x.dim() == 0 ? IntArrayRef() : IntArrayRef(&d, 1), 1);
  detail::dispatch_all(x.scalar_type(), "arg_reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_contiguous_out<T>(values, [&](T* v) {
      with_contiguous_out<int64_t>(indices, [&](int64_t* i) {
        if (op == ReduceOp::Max)
          arg_reduce_kernel<true>(pl, v, i);
        else
          arg_reduce_kernel<false>(pl, v, i);
      });
    });
  });
}

void CpuBackend::softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  Tensor in = x;
  if (!x.is_contiguous()) {
    in = detail::make_tensor(x.sizes(), x.scalar_type(), x.device());
    copy(x, in);
  }
  int64_t outer = 1, red = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) (d < dim ? outer : d == dim ? red : inner) *= x.size(d);
  detail::dispatch_floating(x.scalar_type(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_contiguous_out<T>(out, [&](T* o) {
      if (inner == 1)
        softmax_rows(in.data_ptr<T>(), o, outer, red, log);
      else
        softmax_cols(in.data_ptr<T>(), o, outer, red, inner, log);
    });
  });
}

namespace {

// The running reductions: cumsum's and Backend::scan's.
enum class Step : uint8_t { Sum, Prod, Max, Min, LogSumExp };

Step step_of(ScanOp op) {
  switch (op) {
    case ScanOp::Prod:
      return Step::Prod;
    case ScanOp::Max:
      return Step::Max;
    case ScanOp::Min:
      return Step::Min;
    case ScanOp::LogSumExp:
      return Step::LogSumExp;
  }
  return Step::Sum;
}

// acc combined with the next value v (at position k along the dim); at (Max, Min) follows the
// extreme's position.
template <class Acc>
inline void scan_step(Step op, Acc v, int64_t k, Acc& acc, int64_t& at) {
  switch (op) {
    case Step::Sum:
      acc += v;
      return;
    case Step::Prod:
      acc *= v;
      return;
    case Step::Max:
    case Step::Min: {
      // NaN wins and stays (a later NaN moves the index); ties take the later position.
      bool take;
      if constexpr (std::is_floating_point_v<Acc>) {
        take = std::isnan(v) || (!std::isnan(acc) && (op == Step::Max ? v >= acc : v <= acc));
      } else {
        take = op == Step::Max ? v >= acc : v <= acc;
      }
      if (take) {
        acc = v;
        at = k;
      }
      return;
    }
    case Step::LogSumExp:
      if constexpr (std::is_floating_point_v<Acc>) {
        // log(e^acc + e^v) = max + log1p(e^-(|acc - v|)); both -inf stays -inf, inf wins.
        const Acc hi = std::max(acc, v), lo = std::min(acc, v);
        if (std::isnan(acc) || std::isnan(v)) {
          acc = std::numeric_limits<Acc>::quiet_NaN();
        } else if (lo == -std::numeric_limits<Acc>::infinity() ||
                   hi == std::numeric_limits<Acc>::infinity()) {
          acc = hi;
        } else {
          acc = hi + std::log1p(std::exp(lo - hi));
        }
      }
      return;
  }
}

// x viewed as [outer, n, inner] (n: the dim's size) folded along n into out, each column in
// order from its first element, in double for floats (int64 for integers), so every result is
// the same for any thread count; Sum starts from 0 (as PyTorch's cumsum: -0.0 sums to 0), the
// others from the first element. indices (Max, Min) get each extreme's position. Tasks take
// whole outer slices; inside one, the inner columns advance together, row by row, for
// contiguous access.
void run_scan(CpuBackend& be, Step op, const Tensor& x, int64_t dim, const Tensor& out,
              const Tensor& indices) {
  Tensor xc = x;
  if (!x.is_contiguous()) {
    xc = detail::make_tensor(x.sizes(), x.scalar_type(), x.device());
    be.copy(x, xc);
  }
  if (x.numel() == 0) return;
  const int64_t n = x.dim() == 0 ? 1 : x.size(dim);
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t outer = x.numel() / (n * inner);
  int64_t* idx = indices.defined() ? indices.data_ptr<int64_t>() : nullptr;
  detail::sync_fp_mode();
  detail::dispatch_all(x.scalar_type(), "scan", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = std::conditional_t<detail::is_floating_v<T>, double, int64_t>;
    const T* src = xc.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    auto slices = [&](int64_t o0, int64_t o1) {
      std::vector<Acc> acc(static_cast<size_t>(inner));
      std::vector<int64_t> at(static_cast<size_t>(inner));
      for (int64_t o = o0; o < o1; ++o) {
        const T* s = src + o * n * inner;
        T* d = dst + o * n * inner;
        int64_t* di = idx ? idx + o * n * inner : nullptr;
        for (int64_t i = 0; i < inner; ++i) {
          acc[static_cast<size_t>(i)] = op == Step::Sum ? Acc(0) : static_cast<Acc>(s[i]);
          at[static_cast<size_t>(i)] = 0;
        }
        for (int64_t k = 0; k < n; ++k)
          for (int64_t i = 0; i < inner; ++i) {
            const auto u = static_cast<size_t>(i);
            if (k > 0 || op == Step::Sum)
              scan_step(op, static_cast<Acc>(s[k * inner + i]), k, acc[u], at[u]);
            d[k * inner + i] = static_cast<T>(acc[u]);
            if (di) di[k * inner + i] = at[u];
          }
      }
    };
    detail::parallel_for(outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * inner)),
                         slices);
  });
}

}  // namespace

void CpuBackend::cumsum(const Tensor& x, int64_t dim, const Tensor& out) {
  run_scan(*this, Step::Sum, x, dim, out, Tensor());
}

void CpuBackend::scan(ScanOp op, const Tensor& x, int64_t dim, const Tensor& out,
                      const Tensor& indices) {
  run_scan(*this, step_of(op), x, dim, out, indices);
}

}  // namespace nabla::cpu
