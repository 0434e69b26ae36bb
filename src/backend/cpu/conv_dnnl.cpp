// float32 convolutions on oneDNN (Debian's libdnnl-dev 2.6, the library PyTorch runs CPU
// convolutions on): forward, input and weight gradients, 1 to 3 spatial dims, any stride,
// padding (asymmetric too), dilation and groups, on contiguous NCDHW tensors. bfloat16 ones
// too where the CPU has AVX512-BF16 (float32 accumulation; the weight gradient in float32).
//
// Same bits for any thread count: oneDNN runs on OpenMP and splits its reductions (the weight
// gradient's sum over the batch) by the thread count, so it never gets more than one thread
// here. The batch is cut into chunks of a size that depends on the shapes alone; each chunk
// runs as its own oneDNN call with one OpenMP thread on one of nabla's threads, and the weight
// gradient sums the chunks' partial gradients in chunk order. A single-threaded primitive's
// kernel and blocking depend on the shapes, the ISA and the cache sizes (both read from the
// CPU), not on how many threads nabla has.
//
// Primitives are cached by shape (a bounded map: a training loop creates each one once), with
// user-managed scratchpads and layout buffers per thread that only grow.
#include "backend/cpu/conv_dnnl.h"

#include <cstdlib>
#include <cstring>

#ifdef NABLA_HAVE_DNNL
#include <omp.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "backend/cpu/dnnl_util.h"
#include "core/parallel.h"
#endif

namespace nabla::cpu {

#ifndef NABLA_HAVE_DNNL

bool dnnl_conv_enabled() { return false; }
bool dnnl_conv_forward(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&, const float*,
                       const float*, float*, bool) {
  return false;
}
bool dnnl_conv_forward_bias(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                            const float*, const float*, const float*, float*, bool) {
  return false;
}
bool dnnl_conv_backward_input(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                              const float*, const float*, float*, bool) {
  return false;
}
bool dnnl_conv_backward_weight_bias(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                                    const float*, const float*, float*, float*, bool) {
  return false;
}
bool dnnl_conv_backward_weight(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                               const float*, const float*, float*, bool) {
  return false;
}
bool dnnl_conv_forward_bf16(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&, const void*,
                            const void*, void*) {
  return false;
}
bool dnnl_conv_backward_input_bf16(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                                   const void*, const void*, void*) {
  return false;
}
bool dnnl_conv_backward_weight_bf16(IntArrayRef, IntArrayRef, IntArrayRef, const ConvGeometry&,
                                    const void*, const void*, float*) {
  return false;
}

#else

bool dnnl_conv_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("NABLA_DISABLE_DNNL");
    return !(v && std::strcmp(v, "1") == 0);
  }();
  return enabled;
}

namespace {

using dnnl_util::engine;
using dnnl_util::OneOmpThread;
using dnnl_util::stream;

using dnnl::memory;
using Dims = memory::dims;

enum class Pass : int { Forward, BackwardData, BackwardWeights };

// Roles of a convolution's three tensors: the x-shaped, the w-shaped and the y-shaped one.
enum Role { kX = 0, kW = 1, kY = 2 };

// The problem for one chunk of `n` images, as oneDNN takes it.
struct Key {
  int pass = 0, sd = 0;
  bool bias = false;  // forward: the primitive adds a bias [co]; weights: it also writes db
  bool bf16 = false;  // x- and y-shaped tensors bfloat16; w too, but a weight gradient float32
  int64_t n = 0, c = 0, co = 0, groups = 1;
  std::array<int64_t, 3> in{}, out{}, k{}, s{}, pl{}, pr{}, d{};
  auto tie() const {
    return std::tie(pass, sd, bias, bf16, n, c, co, groups, in, out, k, s, pl, pr, d);
  }
  bool operator<(const Key& o) const { return tie() < o.tie(); }
};

// The zeros after the input in each dim follow from the sizes: oneDNN wants them >= 0 with
// (in + pl + pr - extent) / s + 1 == out, so the smallest such pr is taken (the natural one
// can be negative when the last input rows are never read). False if none exists.
bool make_key(Pass pass, IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
              Key& key) {
  const int sd = static_cast<int>(xs.size()) - 2;
  if (sd < 1 || sd > 3 || g.groups < 1) return false;
  key.pass = static_cast<int>(pass);
  key.sd = sd;
  key.n = xs[0];
  key.c = xs[1];
  key.co = ys[1];
  key.groups = g.groups;
  for (int i = 0; i < sd; ++i) {
    key.in[i] = xs[2 + i];
    key.out[i] = ys[2 + i];
    key.k[i] = ws[2 + i];
    key.s[i] = g.stride[i];
    key.pl[i] = g.padding[i];
    key.d[i] = g.dilation[i];
    const int64_t extent = (key.k[i] - 1) * key.d[i] + 1;
    int64_t pr = (key.out[i] - 1) * key.s[i] + extent - key.in[i] - key.pl[i];
    if (pr < 0 && pr + key.s[i] - 1 >= 0) pr = 0;
    if (pr < 0 || key.pl[i] < 0 ||
        (key.in[i] + key.pl[i] + pr - extent) / key.s[i] + 1 != key.out[i])
      return false;
    key.pr[i] = pr;
  }
  return true;
}

Dims dense_strides(const Dims& dims) {
  Dims st(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * dims[i + 1];
  return st;
}

memory::desc plain(const Dims& dims, memory::data_type type = memory::data_type::f32) {
  return memory::desc(dims, type, dense_strides(dims));
}

// The element types of a key's x-, w- and y-shaped tensors.
std::array<memory::data_type, 3> types_of(const Key& key) {
  const auto f32 = memory::data_type::f32, bf16 = memory::data_type::bf16;
  if (!key.bf16) return {f32, f32, f32};
  // bf16 training as oneDNN runs it: the weight gradient in float32 (nabla sums the chunks'
  // partial gradients in float32 and rounds once).
  const bool weight_grad = static_cast<Pass>(key.pass) == Pass::BackwardWeights;
  return {bf16, weight_grad ? f32 : bf16, bf16};
}

// Whether the primitives may pick blocked layouts (tag::any: nChw16c on AVX-512), with the
// chunk's inputs and output reordered from and to NCHW, instead of working on NCHW directly.
// Blocked wins everywhere except the data gradient of a convolution on an image's 1-3 input
// channels (dx would be padded to 16 channels). Measured (fwd, bwd(w, b), bwd(x) in ms, 2
// threads, idle; NCHW -> blocked):
//   1->32 3x3 28x28 N64:          0.28 -> 0.20, 0.45 -> 0.21, 0.23 -> 1.17
//   3->64 7x7/2 224x224 N8:       9.8 -> 5.2,   12.8 -> 6.3,  9.3 -> 26.6
//   8->3 3x3 28x28 N64:           0.75 -> 0.35, 1.36 -> 0.47, 1.25 -> 0.68
//   32->64 3x3 13x13 N64:         1.42 -> 0.86, 1.27 -> 1.01, 1.60 -> 0.82
//   64->1 3x3 32x32 N16:          2.06 -> 0.87, 3.62 -> 0.87, 3.77 -> 1.00
//   depthwise 64 3x3 28x28 N16:   1.63 -> 0.19, 2.89 -> 0.20, 2.64 -> 0.21
// (the rule was "at least 16 input channels per group" for every pass, which kept the first
// layer of an image net and every depthwise convolution on NCHW). NABLA_DNNL_LAYOUT=any|plain
// overrides this rule (for measurements).
constexpr int64_t kImageChannels = 3;
bool blocked_layouts(const Key& key) {
  static const int forced = [] {
    const char* v = std::getenv("NABLA_DNNL_LAYOUT");
    if (v && std::strcmp(v, "plain") == 0) return 0;
    if (v && std::strcmp(v, "any") == 0) return 1;
    return -1;
  }();
  if (forced >= 0) return forced == 1;
  return static_cast<Pass>(key.pass) != Pass::BackwardData || key.c > kImageChannels;
}

// One cached primitive: the convolution for one chunk size, the layouts it wants for the
// x-, w- and y-shaped tensors, and the reorders from and to the user's dense layouts.
struct Prim {
  dnnl::primitive conv;
  std::array<memory::desc, 3> md, user;
  std::array<int, 3> arg{};
  Role out = kY;
  std::array<std::optional<dnnl::reorder>, 3> reorder;  // user -> md for inputs, md -> user out
  memory::desc scratch_md, bias_md;  // bias_md: [co], set when the primitive has a bias
  int bias_arg = DNNL_ARG_BIAS;      // DNNL_ARG_DIFF_BIAS for the weight gradient
  size_t scratch = 0;
  bool needs_reorder(Role r) const { return reorder[r].has_value(); }
};

std::unique_ptr<Prim> create(const Key& key) {
  const int sd = key.sd;
  Dims xd{key.n, key.c}, yd{key.n, key.co}, wd{key.groups, key.co / key.groups, key.c / key.groups};
  Dims strides, dil, pl, pr;
  for (int i = 0; i < sd; ++i) {
    xd.push_back(key.in[i]);
    yd.push_back(key.out[i]);
    wd.push_back(key.k[i]);
    strides.push_back(key.s[i]);
    dil.push_back(key.d[i] - 1);  // oneDNN counts the gaps between taps
    pl.push_back(key.pl[i]);
    pr.push_back(key.pr[i]);
  }
  if (key.groups == 1) wd.erase(wd.begin());
  const bool any = blocked_layouts(key);
  const auto types = types_of(key);
  auto want = [&](const Dims& d, memory::data_type type) {
    return any ? memory::desc(d, type, memory::format_tag::any) : plain(d, type);
  };
  const memory::desc x = want(xd, types[kX]), w = want(wd, types[kW]), y = want(yd, types[kY]);
  const auto algo = dnnl::algorithm::convolution_direct;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  auto& eng = engine();
  const memory::desc b({key.co}, memory::data_type::f32, memory::format_tag::x);
  // The forward (also the backward passes' hint) with the weight in the x's type.
  const memory::desc w_fwd = want(wd, types[kX]);
  dnnl::convolution_forward::primitive_desc fwd(
      key.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, x, w_fwd,
                                                 b, y, strides, dil, pl, pr)
               : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, x, w_fwd,
                                                 y, strides, dil, pl, pr),
      attr, eng);
  auto p = std::make_unique<Prim>();
  p->user = {plain(xd, types[kX]), plain(wd, types[kW]), plain(yd, types[kY])};
  switch (static_cast<Pass>(key.pass)) {
    case Pass::Forward:
      p->conv = dnnl::convolution_forward(fwd);
      p->md = {fwd.src_desc(), fwd.weights_desc(), fwd.dst_desc()};
      p->arg = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
      p->out = kY;
      p->scratch_md = fwd.scratchpad_desc();
      if (key.bias) p->bias_md = fwd.bias_desc();
      break;
    case Pass::BackwardData: {
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(algo, x, w, y, strides, dil, pl, pr), attr, eng,
          fwd);
      p->conv = dnnl::convolution_backward_data(pd);
      p->md = {pd.diff_src_desc(), pd.weights_desc(), pd.diff_dst_desc()};
      p->arg = {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST};
      p->out = kX;
      p->scratch_md = pd.scratchpad_desc();
      break;
    }
    case Pass::BackwardWeights: {
      dnnl::convolution_backward_weights::primitive_desc pd(
          key.bias
              ? dnnl::convolution_backward_weights::desc(algo, x, w, b, y, strides, dil, pl, pr)
              : dnnl::convolution_backward_weights::desc(algo, x, w, y, strides, dil, pl, pr),
          attr, eng, fwd);
      p->conv = dnnl::convolution_backward_weights(pd);
      p->md = {pd.src_desc(), pd.diff_weights_desc(), pd.diff_dst_desc()};
      p->arg = {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_DST};
      p->out = kW;
      p->scratch_md = pd.scratchpad_desc();
      if (key.bias) p->bias_md = pd.diff_bias_desc();
      p->bias_arg = DNNL_ARG_DIFF_BIAS;
      break;
    }
  }
  p->scratch = p->scratch_md.get_size();
  for (int r = 0; r < 3; ++r) {
    if (p->md[r] == p->user[r]) continue;
    const bool is_out = r == p->out;
    const memory::desc& from = is_out ? p->md[r] : p->user[r];
    const memory::desc& to = is_out ? p->user[r] : p->md[r];
    p->reorder[r].emplace(dnnl::reorder::primitive_desc(eng, from, eng, to));
  }
  return p;
}

// The cache: at most kMaxPrims primitives (a training loop uses three per conv layer and
// batch size); when full it is cleared, which costs re-creations, never a wrong answer. A call
// holds shared_ptrs to the primitives it runs, so clearing never frees one in use. A geometry
// oneDNN rejects is cached as nullptr (the im2col kernels run it).
constexpr size_t kMaxPrims = 256;

std::shared_ptr<const Prim> lookup(const Key& key) {
  static std::mutex mu;
  static std::map<Key, std::shared_ptr<const Prim> > cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::shared_ptr<const Prim> p;
  try {
    OneOmpThread one;  // the primitive's blocking is chosen for one thread
    p = create(key);
  } catch (const dnnl::error&) {
    p = nullptr;  // not supported: the im2col kernels run (remembered as such)
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kMaxPrims) cache.clear();
  cache.emplace(key, p);
  return p;
}

// A per-thread buffer that only grows; Slot tells the buffers of one thread apart.
template <int Slot>
void* buffer(size_t bytes) {
  thread_local std::vector<unsigned char> buf;
  // 64-byte alignment for oneDNN's vector loads: over-allocate and align inside.
  if (buf.size() < bytes + 64) buf.resize(bytes + 64);
  auto addr = reinterpret_cast<uintptr_t>(buf.data());
  return buf.data() + ((64 - addr % 64) % 64);
}

// Images per chunk: about `chunks` chunks per batch (enough to keep a few threads busy and
// balanced), from the batch size alone: the weight gradient sums one partial per chunk, so the
// chunks must not depend on the thread count. The weight gradient takes half as many: each
// chunk's oneDNN call reduces over more positions and there are fewer partials to sum (32->64
// 3x3 on [64, 32, 13, 13], 2 threads: 1.05 -> 0.98 ms; a CNN training step 3-5% faster); the
// other passes measured the same with 8 or 16 and keep 16 for machines with more cores.
constexpr int64_t kChunks = 16, kWeightChunks = 8;
int64_t chunk_images(int64_t n, int64_t chunks) {
  return std::max<int64_t>(1, (n + chunks - 1) / chunks);
}

// Runs one chunk: t[r] are the user's dense tensors of the chunk (the w-shaped one whole).
// Inputs in other layouts than the primitive's are reordered into per-thread buffers, the
// output is produced in one and reordered out. `pre_w` (if set) replaces the w-shaped input by a
// buffer already in the primitive's layout.
void run_chunk(const Prim& p, std::array<void*, 3> t, void* pre_w, float* bias) {
  auto& eng = engine();
  auto& s = stream();
  std::array<memory, 3> mem;
  for (int r = 0; r < 3; ++r) {
    if (r == kW && pre_w) {
      mem[r] = memory(p.md[r], eng, pre_w);
      continue;
    }
    if (!p.needs_reorder(static_cast<Role>(r))) {
      mem[r] = memory(p.md[r], eng, t[r]);
      continue;
    }
    const size_t bytes = p.md[r].get_size();
    void* buf = r == kX ? buffer<0>(bytes) : r == kW ? buffer<1>(bytes) : buffer<2>(bytes);
    mem[r] = memory(p.md[r], eng, buf);
    if (r != p.out) {
      memory user(p.user[r], eng, t[r]);
      p.reorder[r]->execute(s, user, mem[r]);
    }
  }
  std::unordered_map<int, memory> args{
      {p.arg[kX], mem[kX]}, {p.arg[kW], mem[kW]}, {p.arg[kY], mem[kY]}};
  if (p.scratch > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, memory(p.scratch_md, eng, buffer<3>(p.scratch)));
  if (bias) args.emplace(p.bias_arg, memory(p.bias_md, eng, bias));
  p.conv.execute(s, args);
  if (p.needs_reorder(p.out)) {
    memory user(p.user[p.out], eng, t[p.out]);
    p.reorder[p.out]->execute(s, mem[p.out], user);
  }
  s.wait();
}

// The whole call: chunks of images over nabla's threads, each with one OpenMP thread.
bool run(Pass pass, IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
         std::array<const void*, 3> t, float* bias = nullptr, bool bf16 = false,
         bool whole = false) {
  if (!dnnl_conv_enabled()) return false;
  Key key;
  if (!make_key(pass, xs, ws, ys, g, key)) return false;
  key.bias = bias != nullptr;
  key.bf16 = bf16;
  // db in the weight-gradient pass pays only in the blocked (direct) kernels: the NCHW path's
  // gemm implementation sums it slowly (1->32 3x3 on [4, 1, 28, 28] chunks, 1 thread: 1.46 ->
  // 2.41 ms per 16 chunks, against 0.36 ms for the separate reduction of dy), so it declines.
  if (pass == Pass::BackwardWeights && bias && !blocked_layouts(key)) return false;
  const int64_t n = key.n,
                per = whole ? std::max<int64_t>(n, 1)
                            : chunk_images(n,
                                           pass == Pass::BackwardWeights ? kWeightChunks : kChunks),
                chunks = (n + per - 1) / per;
  const int64_t last = n - (chunks - 1) * per;
  key.n = per;
  const std::shared_ptr<const Prim> full = lookup(key);
  if (!full) return false;
  std::shared_ptr<const Prim> tail = full;
  if (last != per) {
    key.n = last;
    tail = lookup(key);
    if (!tail) return false;
  }
  // Bytes per image of the x- and y-shaped tensors.
  const size_t elem = bf16 ? 2 : sizeof(float);
  int64_t x_image = xs[1] * static_cast<int64_t>(elem),
          y_image = ys[1] * static_cast<int64_t>(elem);
  for (size_t i = 2; i < xs.size(); ++i) {
    x_image *= xs[i];
    y_image *= ys[i];
  }
  int64_t wsize = 1;
  for (int64_t v : ws) wsize *= v;

  // The weight, when an input, in each primitive's layout once per call.
  void* w_full = nullptr;
  void* w_tail = nullptr;
  OneOmpThread one;
  if (pass != Pass::BackwardWeights) {
    auto to_layout = [&](const Prim& p, void* dst) {
      memory user(p.user[kW], engine(), const_cast<void*>(t[kW]));
      memory m(p.md[kW], engine(), dst);
      p.reorder[kW]->execute(stream(), user, m);
      stream().wait();
      return dst;
    };
    if (full->needs_reorder(kW)) w_full = to_layout(*full, buffer<4>(full->md[kW].get_size()));
    if (tail != full && tail->needs_reorder(kW))
      w_tail = to_layout(*tail, buffer<5>(tail->md[kW].get_size()));
  }
  // The weight gradient: chunk 0 writes dw, the others a partial gradient each, summed below
  // in chunk order.
  // Likewise db [co] after them, when the primitive writes it.
  const int64_t bsize = bias ? key.co : 0;
  thread_local std::vector<float> partial;
  if (pass == Pass::BackwardWeights)
    partial.resize(static_cast<size_t>(std::max<int64_t>(chunks - 1, 0) * (wsize + bsize)));
  float* partial_data = partial.data();
  float* partial_bias = partial_data + std::max<int64_t>(chunks - 1, 0) * wsize;

  detail::parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    OneOmpThread one_here;
    detail::sync_fp_mode();
    for (int64_t c = c0; c < c1; ++c) {
      const Prim& p = c == chunks - 1 ? *tail : *full;
      const int64_t n0 = c * per;
      auto at = [](const void* base, int64_t offset) {
        return static_cast<char*>(const_cast<void*>(base)) + offset;
      };
      std::array<void*, 3> ptr{at(t[kX], n0 * x_image), at(t[kW], 0), at(t[kY], n0 * y_image)};
      float* b = bias;
      if (pass == Pass::BackwardWeights && c > 0) {
        ptr[kW] = partial_data + (c - 1) * wsize;
        if (b) b = partial_bias + (c - 1) * bsize;
      }
      run_chunk(p, ptr, (&p == full.get() || tail == full) ? w_full : w_tail, b);
    }
  });
  if (pass == Pass::BackwardWeights) {
    // Each element sums its partials in chunk order, whichever thread takes it.
    float* dw = static_cast<float*>(const_cast<void*>(t[kW]));  // float32 in either type
    auto sum_partials = [&](float* out, const float* parts, int64_t size) {
      detail::parallel_for(size, 4096, [&](int64_t i0, int64_t i1) {
        for (int64_t c = 1; c < chunks; ++c) {
          const float* part = parts + (c - 1) * size;
          for (int64_t i = i0; i < i1; ++i) out[i] += part[i];
        }
      });
    };
    sum_partials(dw, partial_data, wsize);
    if (bsize > 0) sum_partials(bias, partial_bias, bsize);
  }
  return true;
}

}  // namespace

bool dnnl_conv_forward(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                       const float* x, const float* w, float* y, bool whole) {
  return run(Pass::Forward, xs, ws, ys, g, {x, w, y}, nullptr, false, whole);
}

bool dnnl_conv_forward_bias(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                            const float* x, const float* w, const float* bias, float* y,
                            bool whole) {
  return run(Pass::Forward, xs, ws, ys, g, {x, w, y}, const_cast<float*>(bias), false, whole);
}

bool dnnl_conv_backward_input(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                              const float* dy, const float* w, float* dx, bool whole) {
  return run(Pass::BackwardData, xs, ws, ys, g, {dx, w, dy}, nullptr, false, whole);
}

bool dnnl_conv_backward_weight(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                               const ConvGeometry& g, const float* x, const float* dy, float* dw,
                               bool whole) {
  return run(Pass::BackwardWeights, xs, ws, ys, g, {x, dw, dy}, nullptr, false, whole);
}

bool dnnl_conv_backward_weight_bias(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                    const ConvGeometry& g, const float* x, const float* dy,
                                    float* dw, float* db, bool whole) {
  return run(Pass::BackwardWeights, xs, ws, ys, g, {x, dw, dy}, db, false, whole);
}

bool dnnl_conv_forward_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                            const void* x, const void* w, void* y) {
  return dnnl_util::bf16_hardware() && run(Pass::Forward, xs, ws, ys, g, {x, w, y}, nullptr, true);
}

bool dnnl_conv_backward_input_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                   const ConvGeometry& g, const void* dy, const void* w, void* dx) {
  return dnnl_util::bf16_hardware() &&
         run(Pass::BackwardData, xs, ws, ys, g, {dx, w, dy}, nullptr, true);
}

bool dnnl_conv_backward_weight_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                    const ConvGeometry& g, const void* x, const void* dy,
                                    float* dw) {
  return dnnl_util::bf16_hardware() &&
         run(Pass::BackwardWeights, xs, ws, ys, g, {x, dw, dy}, nullptr, true);
}

#endif  // NABLA_HAVE_DNNL

}  // namespace nabla::cpu
