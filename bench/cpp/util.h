// Framework-free helpers of the C++ benchmarks: command line, timing, the JSON lines that
// bench/report.py reads, peak RSS, IDX files and the shared shuffle.
#pragma once

#include <sys/resource.h>
#include <xmmintrin.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

#if defined(BENCH_TORCH)
inline const char* const kFramework = "libtorch";
#else
inline const char* const kFramework = "nabla";
#endif

// Command line: --threads N --ftz 0|1 --reps N --epochs N --order N --quick --only NAME.
// Unknown flags are errors.
struct Args {
  int threads = 1;
  bool ftz = true;
  int reps = 5;
  int epochs = 0;  // the MLP's; 0: its default
  int order = 0;   // the MLP's order of samples: epoch e is permutation(n, 1000 + 100 * order + e)
  bool quick = false;
  std::string only;
};

inline Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + k);
      return argv[++i];
    };
    if (k == "--threads")
      a.threads = std::stoi(value());
    else if (k == "--ftz")
      a.ftz = std::stoi(value()) != 0;
    else if (k == "--reps")
      a.reps = std::stoi(value());
    else if (k == "--epochs")
      a.epochs = std::stoi(value());
    else if (k == "--order")
      a.order = std::stoi(value());
    else if (k == "--quick")
      a.quick = true;
    else if (k == "--only")
      a.only = value();
    else
      throw std::runtime_error("unknown argument " + k);
  }
  return a;
}

// Sets FTZ (bit 15) and DAZ (bit 6) in the calling thread's MXCSR, as LibTorch's
// setFlushDenormal does. Threads created afterwards inherit them.
inline void set_ftz_daz(bool on) {
  const unsigned csr = _mm_getcsr(), bits = 0x8040;
  _mm_setcsr(on ? (csr | bits) : (csr & ~bits));
}

inline int blas_threads([[maybe_unused]] const Args& a) {
#ifndef BENCH_TORCH
  return a.threads;
#else
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  return env ? std::atoi(env) : 0;
#endif
}

// A buffer of floats, 64-byte aligned as a framework's tensors are (nabla's, PyTorch's), for the
// libraries called directly: with malloc's 16-byte alignment, where the operands fell differed
// from process to process, and with it (vector loads across cache lines) oneDNN's sgemm of
// 1024^3 on one thread, 107-205 GFLOP/s against 198-199 aligned.
class Floats {
 public:
  explicit Floats(size_t count)
      : size_(count),
        p_(static_cast<float*>(std::aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64))) {
    if (p_ == nullptr) throw std::bad_alloc();
  }
  ~Floats() { std::free(p_); }
  Floats(const Floats&) = delete;
  Floats& operator=(const Floats&) = delete;
  float* data() const { return p_; }
  float* begin() const { return p_; }
  float* end() const { return p_ + size_; }

 private:
  size_t size_;
  float* p_;
};

inline double now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Seconds per call of `fn`, one sample per repetition; each repetition runs `inner` calls.
template <class Fn>
std::vector<double> time_reps(int reps, int inner, Fn&& fn) {
  std::vector<double> out;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    for (int i = 0; i < inner; ++i) fn();
    out.push_back((now() - t0) / inner);
  }
  return out;
}

// How many calls of a function taking `seconds_per_call` fill about `target` seconds.
inline int calls_for(double seconds_per_call, double target) {
  return std::max(1, static_cast<int>(target / std::max(seconds_per_call, 1e-9)));
}

inline double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

// One JSON line: samples are seconds; `work` is FLOPs or bytes per call (0 when not a rate);
// `extra` holds already-formatted JSON values; rss_mb (the peak RSS so far) is added if absent.
inline void emit(const std::string& workload, const std::string& name, const Args& a,
                 std::vector<double> samples, const std::string& work_unit = "", double work = 0,
                 const std::map<std::string, std::string>& extra = {},
                 const std::string& framework = kFramework) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  const double median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  std::printf(
      "{\"workload\": \"%s\", \"case\": \"%s\", \"framework\": \"%s\", "
      "\"threads\": %d, \"blas_threads\": %d, \"ftz\": %d, \"reps\": %zu, "
      "\"median\": %.9g, \"min\": %.9g, \"max\": %.9g",
      workload.c_str(), name.c_str(), framework.c_str(), a.threads, blas_threads(a), a.ftz ? 1 : 0,
      n, median, samples.front(), samples.back());
  std::printf(", \"samples\": [");
  for (size_t i = 0; i < n; ++i) std::printf(i ? ", %.9g" : "%.9g", samples[i]);
  std::printf("]");
  if (!work_unit.empty()) std::printf(", \"%s\": %.9g", work_unit.c_str(), work);
  for (const auto& [k, v] : extra) std::printf(", \"%s\": %s", k.c_str(), v.c_str());
  // Every line carries the process's peak RSS so far (bench/report.py's peak RSS table).
  if (!extra.count("rss_mb")) std::printf(", \"rss_mb\": %.1f", peak_rss_mb());
  std::printf("}\n");
  std::fflush(stdout);
}

// The unsigned bytes of an IDX file (gzip or plain), after its header of `header` bytes.
inline std::vector<uint8_t> read_idx_gz(const std::string& path, int header) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> all;
  uint8_t buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) all.insert(all.end(), buf, buf + got);
  gzclose(f);
  if (all.size() < static_cast<size_t>(header)) throw std::runtime_error("short file " + path);
  return std::vector<uint8_t>(all.begin() + header, all.end());
}

// splitmix64 and a Fisher-Yates shuffle written identically in bench/pytorch/common.py, so
// that all three frameworks see the same examples in the same order.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [-bound, bound) from the top 24 bits, computed in double like common.py does.
inline float uniform(uint64_t& state, double bound) {
  const double u = static_cast<double>(splitmix64(state) >> 40) / 16777216.0;
  return static_cast<float>((2 * u - 1) * bound);
}

inline std::vector<int64_t> permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> p(n);
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  uint64_t state = seed;
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(splitmix64(state) % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace bench
