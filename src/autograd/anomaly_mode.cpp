// Anomaly detection: the global switch, the forward backtrace a node records while it is on,
// and the NaN check the engine runs on every node's gradients.
#include "autograd/anomaly_mode.h"

#include <cxxabi.h>
#include <execinfo.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/tensor.h"

namespace nabla::autograd {
namespace {
std::atomic<bool> g_enabled{false};
std::atomic<bool> g_check_nan{true};

constexpr int kMaxFrames = 48;
constexpr int kMaxPrintedFrames = 16;

// "prog(_ZN5nabla4sqrtERKNS_6TensorE+0x4a) [0x55d0]" -> "nabla::sqrt(nabla::Tensor const&)";
// the whole line when it names no function (a static binary without -rdynamic).
std::string frame_name(const char* symbol) {
  const std::string s = symbol;
  const size_t open = s.find('('), plus = s.find('+', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || plus == std::string::npos || plus == open + 1) return s;
  const std::string mangled = s.substr(open + 1, plus - open - 1);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : mangled;
}

// Frames of the recording machinery itself, left out of the trace.
bool is_recording_frame(const std::string& name) {
  for (const char* prefix : {"nabla::autograd::capture_forward_stack",
                             "nabla::autograd::Node::Node", "nabla::autograd::record", "std::"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}
}  // namespace

bool AnomalyMode::is_enabled() { return g_enabled.load(std::memory_order_relaxed); }
bool AnomalyMode::should_check_nan() { return g_check_nan.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled, bool check_nan) {
  g_enabled.store(enabled, std::memory_order_relaxed);
  g_check_nan.store(check_nan, std::memory_order_relaxed);
}

DetectAnomalyGuard::DetectAnomalyGuard(bool check_nan)
    : prev_enabled_(AnomalyMode::is_enabled()), prev_check_nan_(AnomalyMode::should_check_nan()) {
  AnomalyMode::set_enabled(true, check_nan);
}
DetectAnomalyGuard::~DetectAnomalyGuard() {
  AnomalyMode::set_enabled(prev_enabled_, prev_check_nan_);
}

std::vector<void*> capture_forward_stack() {
  std::vector<void*> frames(kMaxFrames);
  const int n = backtrace(frames.data(), kMaxFrames);
  frames.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return frames;
}

std::string symbolize(const std::vector<void*>& frames) {
  if (frames.empty()) return {};
  std::unique_ptr<char*, void (*)(void*)> symbols(
      backtrace_symbols(frames.data(), static_cast<int>(frames.size())), std::free);
  if (!symbols) return {};
  std::string out;
  int printed = 0;
  for (size_t i = 0; i < frames.size() && printed < kMaxPrintedFrames; ++i) {
    const std::string name = frame_name(symbols.get()[i]);
    if (is_recording_frame(name)) continue;
    out += "  #" + std::to_string(printed++) + " " + name + "\n";
  }
  return out;
}

void check_gradients_for_nan(const Node& node, const variable_list& grads) {
  if (!AnomalyMode::is_enabled() || !AnomalyMode::should_check_nan()) return;
  NoGradGuard no_grad;
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined() || !g.is_floating_point() || g.device().type() == kMeta) continue;
    if (!g.ne(g).any().item<bool>()) continue;
    const std::string trace = node.forward_trace();
    NABLA_ERROR("Function '{}' returned nan values in its {}th output.{}", node.name(), i,
                trace.empty() ? std::string(" (its forward ran before anomaly detection was on)")
                              : "\nForward of " + node.name() + " was called from:\n" + trace);
  }
}

}  // namespace nabla::autograd
