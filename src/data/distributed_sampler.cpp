// Distributed samplers: rank r of R takes the r-th block of local_sample_count() indices of
// the epoch's order (padded by wrapping around when allow_duplicates and R does not divide
// the size).
#include "nabla/data/samplers/distributed.h"

#include <algorithm>
#include <numeric>

#include "core/check.h"
#include "nabla/data/dataset.h"

namespace nabla::data::samplers {

namespace detail {

DistributedShard::DistributedShard(size_t size, size_t num_replicas, size_t rank,
                                   bool allow_duplicates)
    : DistributedSampler<>(size, num_replicas, rank, allow_duplicates) {
  NABLA_CHECK(num_replicas > 0, "[DistributedSampler] num_replicas must be positive");
  NABLA_CHECK(rank < num_replicas, "[DistributedSampler] rank {} is not below num_replicas {}",
              rank, num_replicas);
}

void DistributedShard::take_shard(const std::vector<size_t>& order) {
  const size_t count = local_sample_count();
  indices_.resize(count);
  for (size_t k = 0; k < count; ++k) {
    const size_t global = rank_ * count + k;  // past the end only when padding
    indices_[k] = order.empty() ? 0 : order[global % order.size()];
  }
  if (order.empty()) indices_.clear();
  sample_index_ = 0;
}

std::optional<std::vector<size_t>> DistributedShard::next(size_t batch_size) {
  NABLA_CHECK(batch_size > 0, "[DistributedSampler::next] batch_size must be positive");
  if (sample_index_ >= indices_.size()) return std::nullopt;
  const size_t end = std::min(indices_.size(), sample_index_ + batch_size);
  std::vector<size_t> batch(indices_.begin() + static_cast<std::ptrdiff_t>(sample_index_),
                            indices_.begin() + static_cast<std::ptrdiff_t>(end));
  sample_index_ = end;
  return batch;
}

}  // namespace detail

DistributedRandomSampler::DistributedRandomSampler(size_t size, size_t num_replicas, size_t rank,
                                                   bool allow_duplicates)
    : DistributedShard(size, num_replicas, rank, allow_duplicates) {
  reset();
}

void DistributedRandomSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  take_shard(permutation(size_, epoch_));
}

DistributedSequentialSampler::DistributedSequentialSampler(size_t size, size_t num_replicas,
                                                           size_t rank, bool allow_duplicates)
    : DistributedShard(size, num_replicas, rank, allow_duplicates) {
  reset();
}

void DistributedSequentialSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  std::vector<size_t> order(size_);
  std::iota(order.begin(), order.end(), size_t{0});
  take_shard(order);
}

}  // namespace nabla::data::samplers
