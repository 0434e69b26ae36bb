// The default generator: a seed and a counter offset behind a mutex (see generator.h).
#include "core/generator.h"

#include <chrono>
#include <random>

#include "nabla/ops.h"

namespace nabla {
namespace detail {

void Generator::set_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

uint64_t Generator::offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_;
}

void Generator::set_offset(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  offset_ = offset;
}

PhiloxSlice Generator::reserve(uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  PhiloxSlice slice{seed_, offset_};
  offset_ += n;
  return slice;
}

Generator& default_generator() {
  static Generator gen(kDefaultSeed);
  return gen;
}

}  // namespace detail

void manual_seed(uint64_t seed) { detail::default_generator().set_seed(seed); }

uint64_t initial_seed() { return detail::default_generator().seed(); }

uint64_t seed() {
  // A non-deterministic seed, as torch.seed(): from the OS entropy source and the clock.
  std::random_device rd;
  const uint64_t s =
      (static_cast<uint64_t>(rd()) << 32 | rd()) ^
      static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
  manual_seed(s);
  return s;
}

}  // namespace nabla
