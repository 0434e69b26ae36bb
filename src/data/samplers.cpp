// SequentialSampler and RandomSampler (nabla/data/samplers.h).
#include "nabla/data/samplers.h"

#include <algorithm>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::data::samplers {

namespace {
// The next min(batch_size, left) entries of `order` from `index`, which advances past them.
std::optional<std::vector<size_t>> take(const std::vector<size_t>* order, size_t size,
                                        size_t& index, size_t batch_size) {
  NABLA_CHECK(batch_size > 0, "[Sampler::next] batch_size must be positive, got 0");
  if (index >= size) return std::nullopt;
  const size_t n = std::min(batch_size, size - index);
  std::vector<size_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = order ? (*order)[index + i] : index + i;
  index += n;
  return out;
}
}  // namespace

void SequentialSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<size_t>> SequentialSampler::next(size_t batch_size) {
  return take(nullptr, size_, index_, batch_size);
}

RandomSampler::RandomSampler(int64_t size, ScalarType /*index_dtype*/) {
  NABLA_CHECK(size >= 0, "[RandomSampler] size must be non-negative, got {}", size);
  reset(static_cast<size_t>(size));
}

void RandomSampler::reset(std::optional<size_t> new_size) {
  const size_t n = new_size ? *new_size : indices_.size();
  const Tensor perm = randperm(static_cast<int64_t>(n), TensorOptions().dtype(kLong));
  const int64_t* p = perm.data_ptr<int64_t>();
  indices_.assign(p, p + n);
  index_ = 0;
}

std::optional<std::vector<size_t>> RandomSampler::next(size_t batch_size) {
  return take(&indices_, indices_.size(), index_, batch_size);
}

}  // namespace nabla::data::samplers
