// Shared by every C++ benchmark. Each .cpp in bench/cpp/ is compiled twice: against nabla and,
// with -DBENCH_TORCH, against LibTorch. The workload code is written once in namespace `fw`,
// which shows that the two APIs coincide for it.
//
// Every program prints one JSON line per measurement (see emit()); bench/report.py turns the
// lines of all programs into bench/RESULTS.md.
#pragma once

#ifdef BENCH_TORCH
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
namespace fw = torch;
#else
#include <nabla/nabla.h>
namespace fw = nabla;
#endif

#include "util.h"

namespace bench {

// Each framework's own switch (nabla's is on by default and reaches its pool threads).
inline void set_flush_denormal(bool on) {
#ifdef BENCH_TORCH
  at::globalContext().setFlushDenormal(on);
#else
  nabla::set_flush_denormal(on);
#endif
}

// Autocast to bfloat16 on the CPU (torch.autocast("cpu", dtype=torch.bfloat16)) while in scope,
// with each framework's own switches; `on` false does nothing.
class AutocastBF16 {
 public:
  explicit AutocastBF16(bool on) : on_(on) {
    if (!on_) return;
#ifdef BENCH_TORCH
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
#else
    nabla::autocast::set_autocast_cpu_dtype(nabla::kBFloat16);
    nabla::autocast::set_cpu_enabled(true);
#endif
  }
  ~AutocastBF16() {
    if (!on_) return;
#ifdef BENCH_TORCH
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
#else
    nabla::autocast::set_cpu_enabled(false);
    nabla::autocast::clear_cache();
#endif
  }
  AutocastBF16(const AutocastBF16&) = delete;
  AutocastBF16& operator=(const AutocastBF16&) = delete;

 private:
  bool on_;
};

// Flush-to-zero first, so that the framework's worker threads (created by set_num_threads)
// inherit it.
inline void configure(const Args& a) {
  set_flush_denormal(a.ftz);
  fw::set_num_threads(a.threads);
}

}  // namespace bench
