// Automatic mixed precision, as PyTorch's torch.autocast("cpu", dtype=torch.bfloat16): inside
// the guard's scope, matrix products, linear layers, convolutions and attention run in the
// 16-bit dtype (their float32 inputs cast on the way in, differentiably), while softmax,
// normalization and the losses run in float32. Parameters stay float32 ("master weights"):
// their gradients come back through the casts as float32, so optimizers are unchanged.
//
//   {
//     nabla::autocast guard;                  // CPU, bfloat16
//     auto loss = F::cross_entropy(model->forward(x), y);
//     loss.backward();                        // outside or inside the scope, as PyTorch
//   }
//
// LibTorch's at::autocast::set_cpu_enabled(true) / set_autocast_cpu_dtype(at::kBFloat16) are
// the static functions here. The state is per thread, as PyTorch's. float16 works the same way
// but its narrow range can flush small gradients to zero: scale the loss (nabla::GradScaler).
// Public header: compiles as C++17.
#pragma once

#include "nabla/core.h"

namespace nabla {

class autocast {
 public:
  /// Enables autocast on this thread for `device_type` (the CPU) with `dtype` (kBFloat16 or
  /// kHalf) until the guard goes out of scope; enabled = false disables it in the scope.
  explicit autocast(DeviceType device_type = kCPU, ScalarType dtype = kBFloat16,
                    bool enabled = true);
  ~autocast();
  autocast(const autocast&) = delete;
  autocast& operator=(const autocast&) = delete;

  // LibTorch's at::autocast functions (for the CPU).
  static void set_cpu_enabled(bool enabled);
  static bool is_cpu_enabled();
  static void set_autocast_cpu_dtype(ScalarType dtype);
  static ScalarType get_autocast_cpu_dtype();
  /// Forgets the casts of parameters made in this region (each is cast once per region, as
  /// PyTorch's cache; leaving the outermost guard clears it). Needed only with
  /// set_cpu_enabled, after changing the parameters.
  static void clear_cache();

 private:
  bool prev_enabled_;
  ScalarType prev_dtype_;
};

}  // namespace nabla
