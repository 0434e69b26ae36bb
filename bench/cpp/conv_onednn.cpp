// Workload 7 in oneDNN alone (Debian's libdnnl-dev, 2.6: the library PyTorch 1.13 runs CPU
// convolutions on), to decide whether nabla should adopt it (issue 12): conv2d forward +
// backward (input, weight and bias gradients) on the shapes of bench/cpp/conv.cpp.
//
// Two ways of calling it, both reported as framework "onednn":
//   "blocked": tensors kept in the layouts oneDNN picks (nChw16c, ...): the kernels alone, what
//              a framework built around oneDNN's layouts would get;
//   "nchw":    NCHW tensors in and out as nabla and LibTorch hold them, so every call also
//              reorders input, weight, output gradient and the results, as PyTorch does.
// Threads: OpenMP's (oneDNN is built with it), set with --threads.
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "conv_shapes.h"
#include "util.h"

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// One shape's primitives and memories. Logical tensors are NCHW/OIHW; `blocked` decides
// whether the primitives see them directly (reordered on every call) or in their own layouts.
struct ConvBench {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{eng};
  memory x, w, b, gy, gx, gw, gb;    // user layouts
  memory px, pw, pgy, py, pgx, pgw;  // the primitives' layouts
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
  bool reorder_each_call;

  ConvBench(const bench::ConvShape& s, bool blocked) : reorder_each_call(!blocked) {
    const int64_t out = s.out();
    const memory::dims xd{s.n, s.cin, s.hw, s.hw}, wd{s.cout, s.cin, s.k, s.k}, bd{s.cout},
        yd{s.n, s.cout, out, out}, strides{s.stride, s.stride}, pad{s.pad, s.pad};
    auto any = [](const memory::dims& d) { return memory::desc(d, dt::f32, tag::any); };
    dnnl::convolution_forward::primitive_desc fwd_pd(
        dnnl::convolution_forward::desc(
            dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any(xd),
            any(wd), memory::desc(bd, dt::f32, tag::x), any(yd), strides, pad, pad),
        eng);
    dnnl::convolution_backward_data::primitive_desc data_pd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any(xd), any(wd),
                                              any(yd), strides, pad, pad),
        eng, fwd_pd);
    dnnl::convolution_backward_weights::primitive_desc weights_pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, any(xd),
                                                 any(wd), memory::desc(bd, dt::f32, tag::x),
                                                 any(yd), strides, pad, pad),
        eng, fwd_pd);
    fwd = dnnl::convolution_forward(fwd_pd);
    bwd_data = dnnl::convolution_backward_data(data_pd);
    bwd_weights = dnnl::convolution_backward_weights(weights_pd);

    auto user = [&](const memory::dims& d, tag t) {
      memory m(memory::desc(d, dt::f32, t), eng);
      fill(m);
      return m;
    };
    x = user(xd, tag::nchw);
    w = user(wd, tag::oihw);
    b = user(bd, tag::x);
    gy = user(yd, tag::nchw);
    gx = user(xd, tag::nchw);
    gw = user(wd, tag::oihw);
    gb = user(bd, tag::x);
    px = memory(fwd_pd.src_desc(), eng);
    pw = memory(fwd_pd.weights_desc(), eng);
    py = memory(fwd_pd.dst_desc(), eng);
    pgy = memory(data_pd.diff_dst_desc(), eng);
    pgx = memory(data_pd.diff_src_desc(), eng);
    pgw = memory(weights_pd.diff_weights_desc(), eng);
    to_primitive();  // the blocked variant converts once, here
  }

  static void fill(memory& m) {
    float* p = static_cast<float*>(m.get_data_handle());
    const size_t n = m.get_desc().get_size() / sizeof(float);
    uint64_t state = 1;
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(bench::uniform(state, 1.0));
  }

  void reorder(memory& from, memory& to) { dnnl::reorder(from, to).execute(stream, from, to); }

  void to_primitive() {
    reorder(x, px);
    reorder(w, pw);
    reorder(gy, pgy);
  }

  // Forward, then the input and weight (+ bias) gradients, as one training step's conv work.
  void step() {
    if (reorder_each_call) to_primitive();
    fwd.execute(
        stream,
        {{DNNL_ARG_SRC, px}, {DNNL_ARG_WEIGHTS, pw}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, py}});
    bwd_data.execute(stream,
                     {{DNNL_ARG_DIFF_DST, pgy}, {DNNL_ARG_WEIGHTS, pw}, {DNNL_ARG_DIFF_SRC, pgx}});
    bwd_weights.execute(stream, {{DNNL_ARG_SRC, px},
                                 {DNNL_ARG_DIFF_DST, pgy},
                                 {DNNL_ARG_DIFF_WEIGHTS, pgw},
                                 {DNNL_ARG_DIFF_BIAS, gb}});
    if (reorder_each_call) {
      reorder(pgx, gx);
      reorder(pgw, gw);
    }
    stream.wait();
  }
};

template <class Fn>
std::vector<double> measure(const bench::Args& a, double target, Fn&& fn) {
  fn();
  const double once = bench::time_reps(1, 1, fn)[0];
  return bench::time_reps(a.reps, bench::calls_for(once, target), fn);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args a = bench::parse_args(argc, argv);
  omp_set_num_threads(a.threads);
  const double target = a.quick ? 0.1 : 0.4;
  for (const bench::ConvShape& s : bench::kConvShapes) {
    if (s.groups != 1) continue;  // ConvBench builds ungrouped convolutions only
    for (bool blocked : {false, true}) {
      ConvBench conv(s, blocked);
      bench::emit("conv", s.name, a, measure(a, target, [&] { conv.step(); }), "flops", s.flops(),
                  {{"layout", blocked ? "\"blocked\"" : "\"nchw\""}},
                  blocked ? "onednn-blocked" : "onednn");
    }
  }
}
