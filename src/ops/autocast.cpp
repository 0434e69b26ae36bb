// Autocast's per-thread state and the casts its ops apply.
#include "ops/autocast.h"

#include <vector>

#include "core/check.h"
#include "nabla/autograd.h"

namespace nabla {
namespace {

// A weight cast once per autocast region: the float32 parameter and its 16-bit copy (which
// carries the graph edge back to the parameter).
struct CachedCast {
  Tensor source, cast;
};

struct AutocastState {
  bool enabled = false;
  DeviceType device_type = DeviceType::CPU;
  ScalarType dtype = ScalarType::BFloat16;
  int nesting = 0;                // guards alive on this thread
  std::vector<CachedCast> cache;  // a model's parameters: a short list, searched linearly
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
  ++state.nesting;
}

autocast::~autocast() {
  state.enabled = prev_enabled_;
  state.dtype = prev_dtype_;
  // Leaving the outermost region: the parameters may change before the next one.
  if (--state.nesting == 0) clear_cache();
}

void autocast::clear_cache() { state.cache.clear(); }

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
  // A parameter (a leaf that requires grad) is cast once per region, as PyTorch's cache does:
  // an RNN's weights are used at every time step. Only while recording a graph, so that a
  // cast made under no_grad is never reused where a gradient is wanted.
  const bool cacheable = t.is_leaf() && t.requires_grad() && GradMode::is_enabled();
  if (cacheable) {
    for (const CachedCast& c : state.cache)
      if (c.source.is_same(t) && c.cast.scalar_type() == state.dtype) return c.cast;
  }
  Tensor cast = t.to(state.dtype);
  if (cacheable) state.cache.push_back({t, cast});
  return cast;
}

Tensor autocast_to_float(const Tensor& t) {
  if (!state.enabled || !t.defined() || !isReducedFloatingType(t.scalar_type())) return t;
  return t.to(ScalarType::Float);
}

}  // namespace detail
}  // namespace nabla
