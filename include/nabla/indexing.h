// Python-style indexing, as LibTorch's torch::indexing:
//   using namespace nabla::indexing;
//   x.index({Slice(), 0});            // x[:, 0]
//   x.index({"...", Slice(1, None)}); // x[..., 1:]
//   x.index({idx});                   // x[idx] with an int64 index tensor or a bool mask
//   x.index_put_({Slice(None, 2)}, 0);
#pragma once

#include <cstdint>
#include <optional>

#include "nabla/tensor.h"

namespace nabla {
namespace indexing {

struct NoneType {
  constexpr NoneType() = default;
};
/// As Python's None: in a Slice it means "from the start"/"to the end"; alone it inserts a
/// new dimension of size 1.
constexpr NoneType None;
struct EllipsisType {
  constexpr EllipsisType() = default;
};
constexpr EllipsisType Ellipsis;

/// start:stop:step, each optional.
class Slice {
 public:
  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  Slice(NoneType, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : Slice(std::nullopt, stop, step) {}
  Slice(std::optional<int64_t> start, NoneType, std::optional<int64_t> step = std::nullopt)
      : Slice(start, std::nullopt, step) {}
  Slice(NoneType, NoneType, std::optional<int64_t> step = std::nullopt)
      : Slice(std::nullopt, std::nullopt, step) {}
  Slice(int start, int stop, int step = 1) : start_(start), stop_(stop), step_(step) {}
  std::optional<int64_t> start() const { return start_; }
  std::optional<int64_t> stop() const { return stop_; }
  int64_t step() const { return step_; }

 private:
  std::optional<int64_t> start_, stop_;
  int64_t step_;
};

/// One entry of an index list: an integer, a Slice, None, Ellipsis ("..."), a bool, or a tensor.
class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(NoneType) : kind_(Kind::None) {}                           // NOLINT
  TensorIndex(EllipsisType) : kind_(Kind::Ellipsis) {}                   // NOLINT
  TensorIndex(const char* s);                                            // NOLINT: "..." only
  TensorIndex(int64_t i) : kind_(Kind::Integer), integer_(i) {}          // NOLINT
  TensorIndex(int i) : kind_(Kind::Integer), integer_(i) {}              // NOLINT
  TensorIndex(bool b) : kind_(Kind::Boolean), boolean_(b) {}             // NOLINT
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}                // NOLINT
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}  // NOLINT
  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_ellipsis() const { return kind_ == Kind::Ellipsis; }
  bool is_integer() const { return kind_ == Kind::Integer; }
  bool is_boolean() const { return kind_ == Kind::Boolean; }
  bool is_slice() const { return kind_ == Kind::Slice; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

}  // namespace indexing
}  // namespace nabla
