// Samplers that split a dataset between the ranks of a data-parallel job, with LibTorch's
// torch::data::samplers::DistributedRandomSampler / DistributedSequentialSampler signatures.
// Every rank builds the same sampler with its own rank; in each epoch the ranks' index sets
// are disjoint (when allow_duplicates is false, or the size divides evenly) and cover the
// dataset. The random order of epoch e is nabla::data::permutation(size, e): the same on every
// rank and machine, and another one each epoch (call set_epoch before reset).
//
//   nabla::data::samplers::DistributedRandomSampler sampler(dataset.size(), world, rank);
//   for (size_t epoch = 0; epoch < epochs; ++epoch) {
//     sampler.set_epoch(epoch);
//     sampler.reset();
//     while (auto indices = sampler.next(batch_size)) { ... dataset.get_stacked(*indices) ... }
//   }
// With nabla's DataLoader, load this rank's shard of the epoch:
//   nabla::data::DataLoader loader(nabla::data::Subset(dataset_ptr, sampler.indices()), opts);
//
// They do not derive from a Sampler base class yet (nabla's arrives with LibTorch's samplers).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace nabla {
namespace data {
namespace samplers {

/// What the distributed samplers share: the dataset size, the ranks and the epoch.
class DistributedSampler {
 public:
  /// `allow_duplicates`: every rank gets ceil(size / num_replicas) indices, the last ones
  /// wrapping around to the start; otherwise floor(size / num_replicas), the rest dropped.
  DistributedSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                     bool allow_duplicates = true);
  virtual ~DistributedSampler() = default;

  /// Starts the epoch over; a new size changes the dataset size.
  virtual void reset(std::optional<size_t> new_size = std::nullopt) = 0;
  /// The next `batch_size` indices of this rank's shard (fewer at its end), nullopt after it.
  virtual std::optional<std::vector<size_t>> next(size_t batch_size) = 0;

  /// The epoch whose order reset() builds.
  void set_epoch(size_t epoch) { epoch_ = epoch; }
  size_t epoch() const { return epoch_; }
  /// This rank's indices for the current epoch (as reset() last built them), in order.
  const std::vector<size_t>& indices() const { return indices_; }
  /// Indices handed out so far in this epoch.
  size_t index() const noexcept { return sample_index_; }

 protected:
  size_t local_sample_count() const;
  /// This rank's share of `order` (a permutation of 0..size-1).
  void take_shard(const std::vector<size_t>& order);

  size_t size_;
  size_t num_replicas_;
  size_t rank_;
  size_t epoch_ = 0;
  bool allow_duplicates_;
  std::vector<size_t> indices_;
  size_t sample_index_ = 0;
};

/// A new random order of the whole dataset every epoch, cut into one shard per rank.
class DistributedRandomSampler : public DistributedSampler {
 public:
  DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                           bool allow_duplicates = true);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
};

/// The dataset in order, rank r taking the r-th contiguous block of it.
class DistributedSequentialSampler : public DistributedSampler {
 public:
  DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                               bool allow_duplicates = true);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
};

}  // namespace samplers
}  // namespace data
}  // namespace nabla
