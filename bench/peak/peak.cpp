// The machine's measured peaks, the yardsticks of the report:
//   fma:    an FMA-bound loop (AVX-512 when the CPU has it, else AVX2), on 1 and 2 threads;
//   copy:   a streaming copy of 2^24 floats (read + write counted), on 1 and 2 threads;
//   sgemm:  OpenBLAS's cblas_sgemm called directly on the matmul workload's shapes, into a
//           preallocated result (--threads sets openblas_set_num_threads).
// Prints the same JSON lines as the framework benchmarks (framework "machine" / "openblas").
#include <cblas.h>
#include <immintrin.h>
#ifdef NABLA_BENCH_HAVE_DNNL
#include <dnnl.h>
#include <omp.h>
#endif

#include <cstring>
#include <random>
#include <thread>

#include "../cpp/util.h"

namespace {

constexpr int kAcc = 12;  // independent chains: enough to cover FMA latency x throughput

__attribute__((target("avx2,fma"))) float fma_avx2(long iters) {
  __m256 acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_set1_ps(1.0f + k);
  const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  // Unrolled so that the accumulators live in registers (-O2 would keep them in memory).
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, c);
  }
  float out[8], sum = 0;
  for (int k = 1; k < kAcc; ++k) acc[0] = _mm256_add_ps(acc[0], acc[k]);
  _mm256_storeu_ps(out, acc[0]);
  for (float v : out) sum += v;
  return sum;
}

__attribute__((target("avx512f"))) float fma_avx512(long iters) {
  __m512 acc[kAcc];
  for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_set1_ps(1.0f + k);
  const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, c);
  }
  float out[16], sum = 0;
  for (int k = 1; k < kAcc; ++k) acc[0] = _mm512_add_ps(acc[0], acc[k]);
  _mm512_storeu_ps(out, acc[0]);
  for (float v : out) sum += v;
  return sum;
}

volatile float g_sink;

// Runs fn(thread index) on `threads` threads at once; returns the wall time.
template <class Fn>
double on_threads(int threads, Fn&& fn) {
  std::vector<std::thread> pool;
  const double t0 = bench::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back(fn, t);
  for (auto& th : pool) th.join();
  return bench::now() - t0;
}

void fma_peak(const bench::Args& a) {
  const bool wide = __builtin_cpu_supports("avx512f");
  const int lanes = wide ? 16 : 8;
  const long iters = a.quick ? 2'000'000 : 10'000'000;
  for (int threads : {1, 2}) {
    bench::Args cfg = a;
    cfg.threads = threads;
    std::vector<double> s;
    for (int r = 0; r < a.reps; ++r)
      s.push_back(
          on_threads(threads, [&](int) { g_sink = wide ? fma_avx512(iters) : fma_avx2(iters); }));
    const double flops = 2.0 * lanes * kAcc * static_cast<double>(iters) * threads;
    bench::emit("peak", wide ? "fma avx512" : "fma avx2", cfg, s, "flops", flops, {}, "machine");
  }
}

void copy_peak(const bench::Args& a) {
  const size_t n = size_t{1} << 24;
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  for (int threads : {1, 2}) {
    bench::Args cfg = a;
    cfg.threads = threads;
    const size_t chunk = n / threads;
    auto once = [&] {
      return on_threads(threads, [&](int t) {
        std::memcpy(dst.data() + t * chunk, src.data() + t * chunk, chunk * sizeof(float));
      });
    };
    once();
    std::vector<double> s;
    for (int r = 0; r < a.reps; ++r) s.push_back(once());
    // The copy record also names the kernels OpenBLAS runs here (its core name, which
    // OPENBLAS_CORETYPE can force), for the report's machine line.
    bench::emit("peak", "copy", cfg, s, "bytes", 2.0 * n * sizeof(float),
                {{"openblas_core", "\"" + std::string(openblas_get_corename()) + "\""}}, "machine");
  }
}

struct Gemm {
  std::string name;
  int m, n, k;
  bool ta, tb;  // row-major A is [m, k] (or [k, m] when ta), B is [k, n] (or [n, k] when tb)
};

void sgemm(const bench::Args& a) {
  openblas_set_num_threads(a.threads);
  std::vector<Gemm> cases;
  for (int n : {64, 256, 1024, 2048})
    if (!(a.quick && n == 2048)) cases.push_back({std::to_string(n), n, n, n, false, false});
  cases.push_back({"64x784 @ (256x784)^T", 64, 256, 784, false, true});
  cases.push_back({"64x256 @ 256x784", 64, 784, 256, false, false});
  cases.push_back({"(64x256)^T @ 64x784", 256, 784, 64, true, false});
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  for (const Gemm& g : cases) {
    bench::Floats A(size_t(g.m) * g.k), B(size_t(g.k) * g.n), C(size_t(g.m) * g.n);
    for (float& v : A) v = normal(rng);
    for (float& v : B) v = normal(rng);
    auto call = [&] {
      cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
                  g.m, g.n, g.k, 1.0f, A.data(), g.ta ? g.m : g.k, B.data(), g.tb ? g.k : g.n, 0.0f,
                  C.data(), g.n);
    };
    call();
    const double once = bench::time_reps(1, 1, call)[0];
    const int inner = bench::calls_for(once, a.quick ? 0.05 : 0.2);
    const std::string core = std::string("\"") + openblas_get_corename() + "\"";
    bench::emit("matmul", g.name, a, bench::time_reps(a.reps, inner, call), "flops",
                2.0 * g.m * g.n * g.k, {{"openblas_core", core}}, "openblas");
#ifdef NABLA_BENCH_HAVE_DNNL
    // oneDNN's sgemm (it picks its kernels from the CPU's features), on a.threads OpenMP threads.
    omp_set_num_threads(a.threads);
    auto dnnl_call = [&] {
      dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.m, g.n, g.k, 1.0f, A.data(),
                 g.ta ? g.m : g.k, B.data(), g.tb ? g.k : g.n, 0.0f, C.data(), g.n);
    };
    dnnl_call();
    const int dnnl_inner =
        bench::calls_for(bench::time_reps(1, 1, dnnl_call)[0], a.quick ? 0.05 : 0.2);
    bench::emit("matmul", g.name, a, bench::time_reps(a.reps, dnnl_inner, dnnl_call), "flops",
                2.0 * g.m * g.n * g.k, {}, "onednn-gemm");
#endif
  }
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::set_ftz_daz(args.ftz);
  if (args.only.empty() || args.only == "peak") {
    fma_peak(args);
    copy_peak(args);
  }
  if (args.only.empty() || args.only == "matmul") sgemm(args);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "peak: %s\n", e.what());
  return 1;
}
