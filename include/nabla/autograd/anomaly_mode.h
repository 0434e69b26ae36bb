// Anomaly detection, as LibTorch's torch::autograd::AnomalyMode and DetectAnomalyGuard: while
// it is on, backward() checks the gradients every node produces and raises nabla::Error naming
// the node whose backward returned NaN, with where that node's forward was called:
//
//   {
//     nabla::autograd::DetectAnomalyGuard detect_anomaly;
//     auto x = nabla::tensor({-1.0}, nabla::requires_grad());
//     x.sqrt().sum().backward();
//     // nabla::Error: Function 'SqrtBackward0' returned nan values in its 0th output.
//     // Forward of SqrtBackward0 was called from:
//     //   #0 nabla::sqrt(nabla::Tensor const&) ...
//   }
//
// The mode is global (all threads), as LibTorch's. It costs a backtrace per recorded op and a
// NaN scan per gradient, so it is for debugging; when it is off, nothing is captured or checked.
// Differences from LibTorch: the forward location is a native backtrace (function names where
// the binary exports them: link with -rdynamic for the program's own), and it is part of the
// error message rather than a separate warning; a guard restores the state it found.
#pragma once

namespace nabla {
namespace autograd {

/// The global anomaly-detection switch (LibTorch's torch::autograd::AnomalyMode).
struct AnomalyMode {
  static bool is_enabled();
  /// Whether backward checks for NaN gradients while the mode is on.
  static bool should_check_nan();
  static void set_enabled(bool enabled, bool check_nan = true);
};

/// Turns anomaly detection on in its scope and restores the previous state on exit.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool check_nan = true);
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_enabled_;
  bool prev_check_nan_;
};

/// As PyTorch's torch.autograd.set_detect_anomaly(mode, check_nan) (without the scope).
inline void set_detect_anomaly(bool enabled, bool check_nan = true) {
  AnomalyMode::set_enabled(enabled, check_nan);
}
/// As PyTorch's torch.is_anomaly_enabled().
inline bool is_anomaly_enabled() { return AnomalyMode::is_enabled(); }
/// As PyTorch's torch.is_anomaly_check_nan_enabled().
inline bool is_anomaly_check_nan_enabled() { return AnomalyMode::should_check_nan(); }

}  // namespace autograd
}  // namespace nabla
