// RandomSampler: a new random permutation of 0..size-1 every epoch, drawn from nabla's global
// generator (as LibTorch's, with torch::randperm): nabla::manual_seed(s) fixes the orders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "nabla/core.h"
#include "nabla/data/samplers/base.h"

namespace nabla {
namespace data {
namespace samplers {

class RandomSampler : public Sampler<> {
 public:
  /// `index_dtype` is accepted for LibTorch's signature; indices are kept as size_t.
  explicit RandomSampler(int64_t size, ScalarType index_dtype = kInt64);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
  size_t index() const noexcept { return index_; }

 private:
  std::vector<size_t> indices_;
  size_t index_ = 0;
};

}  // namespace samplers
}  // namespace data
}  // namespace nabla
