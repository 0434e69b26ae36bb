// The default random generator and the Philox 4x32-10 block function every random kernel uses.
//
// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) is a
// counter-based generator: a pure function of a 64-bit key and a 128-bit counter giving four
// 32-bit words. nabla uses key = seed and counter = (offset + element index), so element i of a
// random tensor depends only on (seed, offset, i): kernels fill elements in any order on any
// number of threads and always give the same numbers. The generator itself is just the seed
// and the offset; each call reserves as many counters as it uses, so consecutive calls never
// share a counter.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace nabla::detail {

/// Philox 4x32 with 10 rounds: four 32-bit words for a 128-bit counter (c[0] lowest) and a
/// 64-bit key (k0 lowest).
inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    k0 += kW0;
    k1 += kW1;
  }
  return c;
}

/// The block for counter (offset + element index) under key `seed` (counter's high half 0).
inline std::array<uint32_t, 4> philox(uint64_t counter, uint64_t seed) {
  return philox4x32_10({static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0},
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

/// A float in [0, 1) from the top 24 bits of a word (never 1.0).
inline float uniform_float(uint32_t w) { return static_cast<float>(w >> 8) * 0x1.0p-24f; }
/// A double in [0, 1) from 53 bits of two words (never 1.0).
inline double uniform_double(uint32_t lo, uint32_t hi) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}
inline uint64_t bits64(uint32_t lo, uint32_t hi) { return static_cast<uint64_t>(hi) << 32 | lo; }

/// Where a random op's counters start: element i uses counter `offset + i` under key `seed`.
struct PhiloxSlice {
  uint64_t seed;
  uint64_t offset;
};

/// A seed and a counter offset, safe to use from several threads.
class Generator {
 public:
  explicit Generator(uint64_t seed) : seed_(seed) {}
  /// Sets the seed and restarts the counters at 0.
  void set_seed(uint64_t seed);
  uint64_t seed() const;
  uint64_t offset() const;
  void set_offset(uint64_t offset);
  /// Reserves `n` counters for one op and returns where they start.
  PhiloxSlice reserve(uint64_t n);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// PyTorch's default seed: programs are deterministic until seeded otherwise.
constexpr uint64_t kDefaultSeed = 67280421310721ULL;

/// The process-wide generator behind nabla::rand, randn, randint, ...
Generator& default_generator();

}  // namespace nabla::detail
