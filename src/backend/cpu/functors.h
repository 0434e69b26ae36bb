// The scalar math of every elementwise op, defined once. The generic CPU kernel (and later the
// CUDA one, hence NABLA_HOST_DEVICE) applies these functors; a new elementwise op is a row of
// NABLA_UNARY_OPS / NABLA_BINARY_OPS (backend/backend.h) and one functor here.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backend/backend.h"
#include "core/dispatch.h"

#if defined(__CUDACC__) || defined(__HIPCC__)
#define NABLA_HOST_DEVICE __host__ __device__
#else
#define NABLA_HOST_DEVICE
#endif

namespace nabla::functors {

// One functor per row of the op lists.
#define NABLA_DECLARE_FUNCTOR(F, ...) struct F;
NABLA_UNARY_OPS(NABLA_DECLARE_FUNCTOR)
NABLA_BINARY_OPS(NABLA_DECLARE_FUNCTOR)
#undef NABLA_DECLARE_FUNCTOR

// ---- unary ----
struct Neg {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(-x);
  }
};
struct Exp {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::exp(x);
  }
};
struct Log {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::log(x);
  }
};
struct Sqrt {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sqrt(x);
  }
};
struct Rsqrt {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / std::sqrt(x);
  }
};
struct Abs {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < T(0) ? static_cast<T>(-x) : x;
  }
};
struct Sin {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sin(x);
  }
};
struct Cos {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::cos(x);
  }
};
struct Sigmoid {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / (T(1) + std::exp(-x));
  }
};
struct Tanh {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::tanh(x);
  }
};
struct Relu {
  // NaN propagates, as in PyTorch: (x > 0) is false for NaN, so write x < 0 ? 0 : x.
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return x < T(0) ? T(0) : x;
  }
};
struct Sign {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};
struct Reciprocal {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / x;
  }
};
struct Square {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(x * x);
  }
};
struct Erf {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::erf(x);
  }
};
struct LogicalNot {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    return !x;
  }
};

// ---- binary ----
struct Add {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a + b);
  }
};
struct Sub {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a - b);
  }
};
struct Mul {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a * b);
  }
};
struct Div {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a / b);
  }
};
struct Pow {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>) {
      return std::pow(a, b);
    } else {
      // Integer power by squaring; negative exponents are rejected before the kernel.
      T result = 1;
      while (b > 0) {
        if (b & 1) result = static_cast<T>(result * a);
        a = static_cast<T>(a * a);
        b = static_cast<T>(b >> 1);
      }
      return result;
    }
  }
};
struct Maximum {
  // NaN propagates, as in torch.maximum.
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return a > b ? a : b;
  }
};
struct Minimum {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return a < b ? a : b;
  }
};
struct Eq {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a == b;
  }
};
struct Ne {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a != b;
  }
};
struct Lt {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a < b;
  }
};
struct Le {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct Gt {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a > b;
  }
};
struct Ge {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct LogicalAnd {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a && b;
  }
};
struct LogicalOr {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a || b;
  }
};

}  // namespace nabla::functors
