// The matmul workload's float32 products, nabla against OpenBLAS's cblas_sgemm and oneDNN's
// dnnl_sgemm called directly, measured in rotation in one process: each repetition times
// nabla, then OpenBLAS, then oneDNN, so that a change of the machine's speed (a neighbour's
// load, a clock step) falls on all three alike. The ratio is then the kernels' and not the
// moment's: on a shared 2-vCPU Intel Xeon, runs of the three programs one after another moved
// it by up to 2x (the same product at 7.7 and at 109 GFLOP/s).
//
// --threads N sets all three libraries' thread counts. With more than one thread, each
// library's idle workers keep spinning for a while after its calls (OpenBLAS 0.3.21's for 2^28
// cycles, about 0.1 s; OpenMP's, oneDNN's, and nabla's for less) and would take a core from
// the next library: so each library's turn starts after a pause of kSettle, which lets the
// others' workers go to sleep, and one untimed call, which wakes its own. nabla's product is
// the framework's (nabla::mm, a new result per call), the others write into a preallocated C.
// Prints the same JSON lines as the other programs, with workload "matmul_interleaved" and
// framework "nabla", "openblas" (with its core name) or "onednn-gemm".
#include <cblas.h>
#ifdef NABLA_BENCH_HAVE_DNNL
#include <dnnl.h>
#include <omp.h>
#endif
#include <nabla/nabla.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../cpp/util.h"

namespace {

// The pause before each library's turn when several threads run (see the top).
constexpr std::chrono::milliseconds kSettle{250};

struct Gemm {
  std::string name;
  int m, n, k;
  bool ta, tb;  // row-major A is [m, k] (or [k, m] when ta), B is [k, n] (or [n, k] when tb)
};

std::vector<Gemm> cases(bool quick) {
  std::vector<Gemm> out;
  for (int n : {64, 256, 1024, 2048})
    if (!(quick && n == 2048)) out.push_back({std::to_string(n), n, n, n, false, false});
  out.push_back({"64x784 @ (256x784)^T", 64, 256, 784, false, true});
  out.push_back({"64x256 @ 256x784", 64, 784, 256, false, false});
  out.push_back({"(64x256)^T @ 64x784", 256, 784, 64, true, false});
  return out;
}

struct Contender {
  Contender(std::string fw, std::function<void()> fn, std::map<std::string, std::string> more)
      : framework(std::move(fw)), call(std::move(fn)), extra(std::move(more)) {}
  std::string framework;
  std::function<void()> call;
  std::map<std::string, std::string> extra;
  int inner = 1;
  std::vector<double> samples;
};

void measure(const bench::Args& a, const Gemm& g, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  bench::Floats A(size_t(g.m) * g.k), B(size_t(g.k) * g.n), C(size_t(g.m) * g.n);
  for (float& v : A) v = normal(rng);
  for (float& v : B) v = normal(rng);
  const int lda = g.ta ? g.m : g.k, ldb = g.tb ? g.k : g.n;
  // nabla's operands are views of the same memory: A stored transposed is a [k, m] tensor's t().
  nabla::Tensor x =
      g.ta ? nabla::from_blob(A.data(), {g.k, g.m}).t() : nabla::from_blob(A.data(), {g.m, g.k});
  nabla::Tensor y =
      g.tb ? nabla::from_blob(B.data(), {g.n, g.k}).t() : nabla::from_blob(B.data(), {g.k, g.n});
  std::vector<Contender> all;
  all.emplace_back(
      "nabla", [&] { (void)nabla::mm(x, y); },
      std::map<std::string, std::string>{
          {"gemm_kernel", std::string("\"") + nabla::cpu_matmul_kernel() + "\""}});
  all.emplace_back(
      "openblas",
      [&] {
        // nabla keeps OpenBLAS on one thread where it calls it (NABLA_GEMM=blas).
        if (openblas_get_num_threads() != a.threads) openblas_set_num_threads(a.threads);
        cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans,
                    g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, 1.0f, A.data(), lda, B.data(),
                    ldb, 0.0f, C.data(), g.n);
      },
      std::map<std::string, std::string>{
          {"openblas_core", std::string("\"") + openblas_get_corename() + "\""}});
#ifdef NABLA_BENCH_HAVE_DNNL
  all.emplace_back(
      "onednn-gemm",
      [&] {
        dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.m, g.n, g.k, 1.0f, A.data(), lda, B.data(),
                   ldb, 0.0f, C.data(), g.n);
      },
      std::map<std::string, std::string>{});
#endif
  const double target = a.quick ? 0.02 : 0.06;  // seconds per contender and repetition
  for (Contender& c : all) {
    c.call();
    c.inner = bench::calls_for(bench::time_reps(1, 1, c.call)[0], target);
  }
  for (int r = 0; r < a.reps; ++r) {
    for (Contender& c : all) {
      if (a.threads > 1) {
        std::this_thread::sleep_for(kSettle);
        c.call();
      }
      c.samples.push_back(bench::time_reps(1, c.inner, c.call)[0]);
    }
  }
  // The three records of one process name its rotation (the OpenBLAS kernels it ran), so that
  // the report compares them with each other and not with another process's.
  const std::string rotation = std::string("\"") + openblas_get_corename() + "\"";
  for (Contender& c : all) {
    c.extra["rotation"] = rotation;
    bench::emit("matmul_interleaved", g.name, a, c.samples, "flops", 2.0 * g.m * g.n * g.k, c.extra,
                c.framework);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  args.threads = std::max(args.threads, 1);
  bench::set_ftz_daz(args.ftz);
  nabla::set_flush_denormal(args.ftz);
  nabla::set_num_threads(args.threads);
  // After nabla's: set_num_threads keeps OpenBLAS single-threaded for nabla's own use.
  openblas_set_num_threads(args.threads);
#ifdef NABLA_BENCH_HAVE_DNNL
  omp_set_num_threads(args.threads);
#endif
  nabla::NoGradGuard no_grad;
  std::mt19937 rng(0);
  for (const Gemm& g : cases(args.quick)) measure(args, g, rng);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "interleaved: %s\n", e.what());
  return 1;
}
