// The drop-in header: a program written for LibTorch's C++ frontend compiles against nabla by
// changing its include from <torch/torch.h> to <nabla/torch.h>, nothing else.
//
// The namespaces LibTorch programs name (torch, torch::nn, torch::nn::functional, torch::optim,
// torch::data with datasets/transforms/samplers, torch::autograd, torch::indexing,
// torch::serialize, torch::cuda, and at:: / c10:: for the common types) resolve to nabla's,
// and LibTorch's macros (TORCH_MODULE, TORCH_ARG, TORCH_CHECK, AT_ASSERT, AT_ERROR, ...) are
// defined. What still differs is listed in docs/api-differences.md ("Porting from LibTorch" in
// the README). Include <nabla/nabla.h> instead to use the nabla:: names only.
#pragma once

// LibTorch's headers bring these into every program, which then uses them without including
// them: ::sqrt, ::exp, ... (cmath), std::iota and std::accumulate (numeric), std::list, assert.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "nabla/nabla.h"

namespace torch {
// torch::Tensor, torch::nn::Linear, torch::optim::Adam, torch::data::make_data_loader, ... are
// nabla's: qualified lookup in torch continues into nabla.
using namespace ::nabla;  // NOLINT(google-build-using-namespace)
using Dtype = ::nabla::ScalarType;
template <class T>
using optional = std::optional<T>;
inline constexpr std::nullopt_t nullopt = std::nullopt;
}  // namespace torch

// at:: and c10:: name the tensor library under LibTorch's frontend; programs use a few of them.
namespace at {
using namespace ::nabla;  // NOLINT(google-build-using-namespace)
using Backend = ::nabla::DenseBackend;
}  // namespace at
namespace c10 {
using Backend = ::nabla::DenseBackend;
using ::nabla::ArrayRef;
using ::nabla::BFloat16;
using ::nabla::Device;
using ::nabla::DeviceType;
using ::nabla::Error;
using ::nabla::Half;
using ::nabla::InferenceMode;
using ::nabla::IntArrayRef;
using ::nabla::IValue;
using ::nabla::OptionalArrayRef;
using ::nabla::OptionalIntArrayRef;
using ::nabla::Scalar;
using ::nabla::ScalarType;
using ::nabla::str;
template <class T>
using optional = std::optional<T>;
inline constexpr std::nullopt_t nullopt = std::nullopt;
}  // namespace c10

namespace nabla {
namespace detail {
// The message of a failed TORCH_CHECK: LibTorch's wording when no message is given.
inline std::string torch_check_message(const char* condition, const char* file, int line) {
  return str("Expected ", condition, " to be true, but got false.  (", file, ":", line, ")");
}
template <class... Args>
std::string torch_check_message(const char*, const char*, int, const Args&... args) {
  return str(args...);
}
}  // namespace detail
}  // namespace nabla

/// TORCH_MODULE(Net) defines Net, a ModuleHolder of NetImpl.
#define TORCH_MODULE(Name) NABLA_MODULE(Name)
#define TORCH_MODULE_IMPL(Name, Impl) NABLA_MODULE_IMPL(Name, Impl)
/// A fluent option: TORCH_ARG(double, lr) = 1e-3;
#define TORCH_ARG(T, name) NABLA_ARG(T, name)
/// Raises nabla::Error (LibTorch's c10::Error) with the message pieces concatenated.
#define TORCH_CHECK(cond, ...)                                                             \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      throw ::nabla::Error(                                                                \
          ::nabla::detail::torch_check_message(#cond, __FILE__, __LINE__, ##__VA_ARGS__)); \
    }                                                                                      \
  } while (false)
#define TORCH_CHECK_VALUE(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_CHECK_INDEX(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_INTERNAL_ASSERT(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define AT_ASSERT(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_WARN(...) (std::cerr << "Warning: " << ::nabla::str(__VA_ARGS__) << "\n")
#define TORCH_WARN_ONCE(...)                                           \
  do {                                                                 \
    static const bool torch_warned_ = (TORCH_WARN(__VA_ARGS__), true); \
    (void)torch_warned_;                                               \
  } while (false)
#define AT_ERROR(...) throw ::nabla::Error(::nabla::str(__VA_ARGS__))

// LibTorch streams std::vector, std::map, std::set and std::pair (c10's logging header, in
// namespace std, so that `std::cout << tokens` finds them): elements separated by spaces, at
// most 100 and then " ...", pairs as (first, second). The same here, for the programs that
// print them. nabla's own operator<< for vectors of tensors and devices is chosen over these.
namespace nabla::detail {
template <class Iter>
void print_sequence(std::ostream& out, Iter begin, Iter end) {
  for (int i = 0; begin != end && i < 100; ++i, ++begin) {
    if (i > 0) out << ' ';
    out << *begin;
  }
  if (begin != end) out << " ...";
}
}  // namespace nabla::detail
namespace std {  // NOLINT(cert-dcl58-cpp): as LibTorch, so that ADL finds them
template <class First, class Second>
std::ostream& operator<<(std::ostream& out, const std::pair<First, Second>& p);
template <class... Types>
std::ostream& operator<<(std::ostream& out, const std::vector<Types...>& seq) {
  ::nabla::detail::print_sequence(out, seq.begin(), seq.end());
  return out;
}
template <class... Types>
std::ostream& operator<<(std::ostream& out, const std::map<Types...>& seq) {
  ::nabla::detail::print_sequence(out, seq.begin(), seq.end());
  return out;
}
template <class... Types>
std::ostream& operator<<(std::ostream& out, const std::set<Types...>& seq) {
  ::nabla::detail::print_sequence(out, seq.begin(), seq.end());
  return out;
}
template <class First, class Second>
std::ostream& operator<<(std::ostream& out, const std::pair<First, Second>& p) {
  return out << '(' << p.first << ", " << p.second << ')';
}
}  // namespace std
