// NABLA_CHECK: the one way nabla reports misuse. Messages read "[op] what is wrong".
#pragma once

#include <fmt/format.h>

#include "nabla/core.h"

#define NABLA_CHECK(cond, ...)                          \
  do {                                                  \
    if (__builtin_expect(!(cond), 0)) {                 \
      throw ::nabla::Error(::fmt::format(__VA_ARGS__)); \
    }                                                   \
  } while (0)

#define NABLA_ERROR(...) throw ::nabla::Error(::fmt::format(__VA_ARGS__))

// Lets fmt print shapes and dtypes: fmt::format("{}", sizes) -> "[2, 3]".
template <>
struct fmt::formatter<nabla::IntArrayRef> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(nabla::IntArrayRef a, Ctx& ctx) const {
    std::string s = "[";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) s += ", ";
      s += std::to_string(a[i]);
    }
    s += "]";
    return fmt::formatter<std::string_view>::format(s, ctx);
  }
};
template <>
struct fmt::formatter<nabla::ScalarType> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(nabla::ScalarType t, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(nabla::toString(t), ctx);
  }
};
