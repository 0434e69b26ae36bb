// The 16-bit floating types: BFloat16 (8 exponent bits, as float32's, and 7 mantissa bits) and
// Half (IEEE binary16: 5 exponent bits, 10 mantissa bits), as LibTorch's c10::BFloat16 and
// c10::Half. Each holds its bits and converts implicitly to and from float, so arithmetic on
// them computes in float32 and rounds once when stored back: the semantics of PyTorch's CPU
// kernels for these dtypes. Conversions round to nearest even and keep NaN and infinities.
// Public header: compiles as C++17.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace nabla {
namespace detail {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float float_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// float -> bfloat16 bits, rounding to nearest even; every NaN becomes PyTorch's 0x7FC0.
inline uint16_t bfloat16_bits_from_float(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
  // Adding 0x7FFF plus the lowest kept bit carries into the kept bits exactly when the dropped
  // half is above one half, or equal to it with an odd kept part.
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
inline float float_from_bfloat16_bits(uint16_t b) { return float_from_bits(uint32_t(b) << 16); }

/// float -> binary16 bits, rounding to nearest even (overflow gives infinity, tiny values
/// subnormals or zero); NaN keeps its sign and becomes 0x7E00, as in PyTorch.
inline uint16_t half_bits_from_float(float f) {
  const uint32_t u = float_bits(f);
  const auto sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  uint32_t mag = u & 0x7FFFFFFFu;
  if (mag > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);
  if (mag >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 2^16: infinity
  if (mag < 0x38800000u) {
    // Below 2^-14 the result is subnormal: adding 0.5f lines the value up with half's last
    // mantissa bit (2^-24), and the float addition itself rounds to nearest even.
    const float shifted = float_from_bits(mag) + 0.5f;
    return static_cast<uint16_t>(sign | (float_bits(shifted) - 0x3F000000u));
  }
  // Rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even; a carry
  // out of the mantissa correctly bumps the exponent, up to infinity.
  const uint32_t odd = (mag >> 13) & 1u;
  mag += 0xC8000FFFu + odd;
  return static_cast<uint16_t>(sign | (mag >> 13));
}
inline float float_from_half_bits(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t bits = uint32_t(h & 0x7FFFu) << 13;  // exponent and mantissa in float's places
  const uint32_t exponent = bits & 0x0F800000u;
  bits += (127 - 15) << 23;
  if (exponent == 0x0F800000u) {
    bits += (128 - 16) << 23;  // infinity or NaN: the largest exponent
  } else if (exponent == 0) {
    // Subnormal: build the value as 1.m * 2^-14 and subtract the implied 2^-14.
    bits += 1u << 23;
    bits = float_bits(float_from_bits(bits) - float_from_bits(113u << 23));
  }
  return float_from_bits(bits | sign);
}

}  // namespace detail

/// bfloat16 (torch.bfloat16): float32's range with 8 significant bits.
struct BFloat16 {
  uint16_t x;
  struct from_bits_t {};
  static constexpr from_bits_t from_bits() { return from_bits_t(); }

  BFloat16() = default;
  constexpr BFloat16(uint16_t bits, from_bits_t) : x(bits) {}
  BFloat16(float value) : x(detail::bfloat16_bits_from_float(value)) {}   // NOLINT: as c10
  operator float() const { return detail::float_from_bfloat16_bits(x); }  // NOLINT: as c10

  BFloat16& operator+=(float v) { return *this = BFloat16(float(*this) + v); }
  BFloat16& operator-=(float v) { return *this = BFloat16(float(*this) - v); }
  BFloat16& operator*=(float v) { return *this = BFloat16(float(*this) * v); }
  BFloat16& operator/=(float v) { return *this = BFloat16(float(*this) / v); }
};

/// float16 (torch.float16, torch.half): IEEE binary16, range +-65504 with 11 significant bits.
struct Half {
  uint16_t x;
  struct from_bits_t {};
  static constexpr from_bits_t from_bits() { return from_bits_t(); }

  Half() = default;
  constexpr Half(uint16_t bits, from_bits_t) : x(bits) {}
  Half(float value) : x(detail::half_bits_from_float(value)) {}       // NOLINT: as c10
  operator float() const { return detail::float_from_half_bits(x); }  // NOLINT: as c10

  Half& operator+=(float v) { return *this = Half(float(*this) + v); }
  Half& operator-=(float v) { return *this = Half(float(*this) - v); }
  Half& operator*=(float v) { return *this = Half(float(*this) * v); }
  Half& operator/=(float v) { return *this = Half(float(*this) / v); }
};

}  // namespace nabla

namespace std {
template <>
class numeric_limits<nabla::BFloat16> {
  using T = nabla::BFloat16;
  static constexpr T bits(uint16_t b) { return T(b, T::from_bits()); }

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true;
  static constexpr bool is_iec559 = false;
  static constexpr bool is_bounded = true;
  static constexpr int digits = 8;
  static constexpr int digits10 = 2;
  static constexpr int max_digits10 = 4;
  static constexpr int radix = 2;
  static constexpr int min_exponent = -125;
  static constexpr int max_exponent = 128;
  static constexpr T min() { return bits(0x0080); }
  static constexpr T lowest() { return bits(0xFF7F); }
  static constexpr T max() { return bits(0x7F7F); }
  static constexpr T epsilon() { return bits(0x3C00); }
  static constexpr T round_error() { return bits(0x3F00); }
  static constexpr T infinity() { return bits(0x7F80); }
  static constexpr T quiet_NaN() { return bits(0x7FC0); }
  static constexpr T signaling_NaN() { return bits(0x7F80 | 1); }
  static constexpr T denorm_min() { return bits(0x0001); }
};
template <>
class numeric_limits<nabla::Half> {
  using T = nabla::Half;
  static constexpr T bits(uint16_t b) { return T(b, T::from_bits()); }

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true;
  static constexpr bool is_iec559 = true;
  static constexpr bool is_bounded = true;
  static constexpr int digits = 11;
  static constexpr int digits10 = 3;
  static constexpr int max_digits10 = 5;
  static constexpr int radix = 2;
  static constexpr int min_exponent = -13;
  static constexpr int max_exponent = 16;
  static constexpr T min() { return bits(0x0400); }
  static constexpr T lowest() { return bits(0xFBFF); }
  static constexpr T max() { return bits(0x7BFF); }
  static constexpr T epsilon() { return bits(0x1400); }
  static constexpr T round_error() { return bits(0x3800); }
  static constexpr T infinity() { return bits(0x7C00); }
  static constexpr T quiet_NaN() { return bits(0x7E00); }
  static constexpr T signaling_NaN() { return bits(0x7D00); }
  static constexpr T denorm_min() { return bits(0x0001); }
};
}  // namespace std
