// bfloat16 matrix products on oneDNN's matmul where the CPU multiplies bfloat16 in hardware
// (AVX512-BF16: AMD Zen 4, Intel Cooper Lake and later): bf16 operands, float32 accumulation,
// one rounding of each result to bf16, as PyTorch's CPU bf16 products. Elsewhere, and for
// float16, CpuBackend::matmul runs the float32 kernels on float32 copies.
//
// Same bits for any thread count: the columns of the product are cut into chunks by a rule of
// the shapes alone; each chunk is one oneDNN call with one OpenMP thread, on one of nabla's
// threads (a column of the result depends on its chunk's primitive only).
#include "backend/cpu/matmul_dnnl.h"

#ifdef NABLA_HAVE_DNNL
#include <algorithm>
#include <cstdlib>
#include <cstring>
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

bool bf16_hardware() {
  static const bool ok = [] {
    const char* v = std::getenv("NABLA_DISABLE_DNNL");
    if (v && std::strcmp(v, "1") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
  }();
  return ok;
}

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

// Columns per chunk, from the shapes alone: chunks of at least 64 columns and about 64K
// multiply-adds per row of the chunk, at most 16 chunks; widths a multiple of 16 (a vector).
int64_t chunk_columns(int64_t m, int64_t n, int64_t k) {
  const int64_t work = m * n * k;
  const int64_t chunks = std::clamp<int64_t>(work / (int64_t{1} << 21), 1, 16);
  int64_t width = (n + chunks - 1) / chunks;
  width = std::max<int64_t>(64, (width + 15) / 16 * 16);
  return std::min(width, n);
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
  if (!bf16_hardware()) return false;
  const int64_t m = c.rows, n = c.cols;
  const int64_t width = chunk_columns(m, n, k);
  const int64_t chunks = (n + width - 1) / width;
  // The (at most two) primitives: full chunks and the last one.
  auto key_for = [&](int64_t cols) {
    return Key{m,   cols, k, a.row_stride, a.col_stride, b.row_stride, b.col_stride, c.row_stride,
               beta};
  };
  const auto full = lookup(key_for(width));
  const int64_t last_width = n - (chunks - 1) * width;
  const auto last = last_width == width ? full : lookup(key_for(last_width));
  if (!full || !last) return false;
  auto* pa = static_cast<const uint16_t*>(a.data);
  auto* pb = static_cast<const uint16_t*>(b.data);
  auto* pc = static_cast<uint16_t*>(c.data);
  detail::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    dnnl_util::OneOmpThread one;
    auto& eng = dnnl_util::engine();
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const Prim& p = chunk == chunks - 1 ? *last : *full;
      const int64_t j0 = chunk * width;
      memory ma(p.a, eng, const_cast<uint16_t*>(pa));
      memory mb(p.b, eng, const_cast<uint16_t*>(pb + j0 * b.col_stride));
      memory mc(p.c, eng, pc + j0);
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
