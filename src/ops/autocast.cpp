// Autocast's per-thread state and the casts its ops apply.
#include "ops/autocast.h"

#include "core/check.h"

namespace nabla {
namespace {

struct AutocastState {
  bool enabled = false;
  DeviceType device_type = DeviceType::CPU;
  ScalarType dtype = ScalarType::BFloat16;
};
// Per thread, as PyTorch's: a DataLoader worker or the thread pool never inherits it.
thread_local AutocastState state;

void check_dtype(ScalarType dtype) {
  NABLA_CHECK(isReducedFloatingType(dtype),
              "[autocast] the CPU's autocast dtype must be bfloat16 or float16, got {}", dtype);
}

}  // namespace

autocast::autocast(DeviceType device_type, ScalarType dtype, bool enabled)
    : prev_enabled_(state.enabled), prev_dtype_(state.dtype) {
  NABLA_CHECK(device_type == DeviceType::CPU,
              "[autocast] nabla autocasts on the CPU only, got device type {}",
              Device(device_type).str());
  check_dtype(dtype);
  state.enabled = enabled;
  state.dtype = dtype;
}

autocast::~autocast() {
  state.enabled = prev_enabled_;
  state.dtype = prev_dtype_;
}

void autocast::set_cpu_enabled(bool enabled) { state.enabled = enabled; }
bool autocast::is_cpu_enabled() { return state.enabled; }
void autocast::set_autocast_cpu_dtype(ScalarType dtype) {
  check_dtype(dtype);
  state.dtype = dtype;
}
ScalarType autocast::get_autocast_cpu_dtype() { return state.dtype; }

namespace detail {

bool autocast_enabled() { return state.enabled; }

Tensor autocast_to_lower(const Tensor& t) {
  if (!state.enabled || !t.defined() || t.scalar_type() != ScalarType::Float ||
      t.device().type() != state.device_type)
    return t;
  return t.to(state.dtype);
}

Tensor autocast_to_float(const Tensor& t) {
  if (!state.enabled || !t.defined() || !isReducedFloatingType(t.scalar_type())) return t;
  return t.to(ScalarType::Float);
}

}  // namespace detail
}  // namespace nabla
