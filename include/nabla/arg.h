// NABLA_ARG: a fluent option, as LibTorch's TORCH_ARG, shared by nn, optim and data options:
//   NABLA_ARG(double, lr) = 1e-3;  gives  opts.lr(0.1).lr() == 0.1
#pragma once

#include <utility>

#define NABLA_ARG(T, name)                                        \
 public:                                                          \
  inline auto name(const T& new_##name)->decltype(*this) {        \
    this->name##_ = new_##name;                                   \
    return *this;                                                 \
  }                                                               \
  inline auto name(T&& new_##name)->decltype(*this) {             \
    this->name##_ = std::move(new_##name);                        \
    return *this;                                                 \
  }                                                               \
  inline const T& name() const noexcept { return this->name##_; } \
  inline T& name() noexcept { return this->name##_; }             \
                                                                  \
 private:                                                         \
  T name##_
