// bfloat16 matrix products on oneDNN's matmul where the CPU multiplies bfloat16 in hardware
// (AVX512-BF16: AMD Zen 4, Intel Cooper Lake and later): bf16 operands, float32 accumulation,
// one rounding of each result to bf16, as PyTorch's CPU bf16 products. Elsewhere, and for
// float16, CpuBackend::matmul runs the float32 kernels on float32 copies.
//
// Same bits for any thread count: the rows or the columns of the product (the longer side) are
// cut into chunks by a rule of the shapes alone; each chunk is one oneDNN call with one OpenMP
// thread, on one of nabla's threads (an element of the result depends on its chunk's primitive
// only).
#include "backend/cpu/matmul_dnnl.h"

#ifdef NABLA_HAVE_DNNL
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "backend/cpu/dnnl_util.h"
#include "core/parallel.h"
#endif

namespace nabla::cpu {

#ifndef NABLA_HAVE_DNNL

bool dnnl_matmul_bf16(const MatOperand&, const MatOperand&, const MatOperand&, int64_t, float) {
  return false;
}

#else

namespace {

using dnnl::memory;

// One chunk's product: c [m, n] (+)= a [m, k] @ b [k, n] with the given element strides.
struct Key {
  int64_t m, n, k, a_rs, a_cs, b_rs, b_cs, c_rs;
  float beta;
  auto tie() const { return std::tie(m, n, k, a_rs, a_cs, b_rs, b_cs, c_rs, beta); }
  bool operator<(const Key& o) const { return tie() < o.tie(); }
};

struct Prim {
  dnnl::matmul matmul;
  memory::desc a, b, c, scratch;
};

std::unique_ptr<Prim> create(const Key& key) {
  const auto bf16 = memory::data_type::bf16;
  auto p = std::make_unique<Prim>();
  p->a = memory::desc({key.m, key.k}, bf16, {key.a_rs, key.a_cs});
  p->b = memory::desc({key.k, key.n}, bf16, {key.b_rs, key.b_cs});
  p->c = memory::desc({key.m, key.n}, bf16, {key.c_rs, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (key.beta != 0) {
    dnnl::post_ops ops;
    ops.append_sum(key.beta);  // c = beta * c + a @ b
    attr.set_post_ops(ops);
  }
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p->a, p->b, p->c), attr, dnnl_util::engine());
  p->matmul = dnnl::matmul(pd);
  p->scratch = pd.scratchpad_desc();
  return p;
}

// Primitives by shape, bounded (cleared when full: re-creation costs time, never correctness);
// a shape oneDNN rejects is remembered as nullptr.
std::shared_ptr<const Prim> lookup(const Key& key) {
  constexpr size_t kMaxPrims = 256;
  static std::mutex mu;
  static std::map<Key, std::shared_ptr<const Prim> > cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::shared_ptr<const Prim> p;
  try {
    dnnl_util::OneOmpThread one;  // blocking chosen for one thread
    p = create(key);
  } catch (const dnnl::error&) {
    p = nullptr;
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kMaxPrims) cache.clear();
  cache.emplace(key, p);
  return p;
}

// The length of a chunk along a side of `side` elements, from the shapes alone: about 2M
// multiply-adds per chunk, at most 16 chunks, at least 64 long and a multiple of 16 (a vector).
int64_t chunk_length(int64_t side, int64_t work) {
  const int64_t chunks = std::clamp<int64_t>(work / (int64_t{1} << 21), 1, 16);
  const int64_t length = (side + chunks - 1) / chunks;
  return std::min(side, std::max<int64_t>(64, (length + 15) / 16 * 16));
}

void* scratch_buffer(size_t bytes) {
  thread_local std::vector<unsigned char> buf;
  if (buf.size() < bytes + 64) buf.resize(bytes + 64);
  auto addr = reinterpret_cast<uintptr_t>(buf.data());
  return buf.data() + ((64 - addr % 64) % 64);
}

}  // namespace

bool dnnl_matmul_bf16(const MatOperand& a, const MatOperand& b, const MatOperand& c, int64_t k,
                      float beta) {
  if (!dnnl_util::bf16_hardware()) return false;
  const int64_t m = c.rows, n = c.cols;
  // Many rows (a batch of tokens): chunks of rows, each against all of b; else chunks of
  // columns, each reading all of a.
  const bool by_rows = m >= n;
  const int64_t side = by_rows ? m : n, length = chunk_length(side, m * n * k);
  const int64_t chunks = (side + length - 1) / length;
  // The (at most two) primitives: full chunks and the last one.
  auto key_for = [&](int64_t len) {
    return Key{by_rows ? len : m, by_rows ? n : len, k,   a.row_stride, a.col_stride, b.row_stride,
               b.col_stride,      c.row_stride,      beta};
  };
  const auto full = lookup(key_for(length));
  const int64_t last_length = side - (chunks - 1) * length;
  const auto last = last_length == length ? full : lookup(key_for(last_length));
  if (!full || !last) return false;
  auto* pa = static_cast<const uint16_t*>(a.data);
  auto* pb = static_cast<const uint16_t*>(b.data);
  auto* pc = static_cast<uint16_t*>(c.data);
  detail::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    dnnl_util::OneOmpThread one;
    auto& eng = dnnl_util::engine();
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const Prim& p = chunk == chunks - 1 ? *last : *full;
      const int64_t start = chunk * length;
      const int64_t i0 = by_rows ? start : 0, j0 = by_rows ? 0 : start;
      memory ma(p.a, eng, const_cast<uint16_t*>(pa + i0 * a.row_stride));
      memory mb(p.b, eng, const_cast<uint16_t*>(pb + j0 * b.col_stride));
      memory mc(p.c, eng, pc + i0 * c.row_stride + j0);
      memory ms(p.scratch, eng, scratch_buffer(p.scratch.get_size()));
      p.matmul.execute(dnnl_util::stream(), {{DNNL_ARG_SRC, ma},
                                             {DNNL_ARG_WEIGHTS, mb},
                                             {DNNL_ARG_DST, mc},
                                             {DNNL_ARG_SCRATCHPAD, ms}});
    }
    dnnl_util::stream().wait();
  });
  return true;
}

#endif

}  // namespace nabla::cpu
