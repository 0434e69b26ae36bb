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
// They are Samplers (samplers/base.h), so LibTorch's loader takes them:
//   auto loader = nabla::data::make_data_loader(dataset, sampler, 64);  // a copy: fixed epoch
// and so does nabla's DataLoader, which keeps a shared sampler and resets it every epoch:
//   auto sampler = std::make_shared<DistributedRandomSampler>(dataset->size(), world, rank);
//   nabla::data::DataLoader loader(dataset, sampler, nabla::data::DataLoaderOptions(64));
//   for (...) { sampler->set_epoch(epoch); for (auto& batch : loader) ... }
// or load this rank's shard of the epoch through a Subset:
//   nabla::data::DataLoader loader(nabla::data::Subset(dataset_ptr, sampler.indices()), opts);
// Differences from LibTorch: no save/load to serialize archives, and epoch e's
// order is nabla::data::permutation(size, e) rather than LibTorch's std::minstd_rand(e) shuffle.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "nabla/data/samplers/base.h"

namespace nabla {
namespace data {
namespace samplers {

/// What the distributed samplers share: the dataset size, the ranks and the epoch (LibTorch's
/// torch::data::samplers::DistributedSampler).
template <class BatchRequest = std::vector<size_t>>
class DistributedSampler : public Sampler<BatchRequest> {
 public:
  /// `allow_duplicates`: every rank gets ceil(size / num_replicas) indices, the last ones
  /// wrapping around to the start; otherwise floor(size / num_replicas), the rest dropped.
  DistributedSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                     bool allow_duplicates = true)
      : size_(size),
        num_replicas_(num_replicas),
        rank_(rank),
        epoch_(0),
        allow_duplicates_(allow_duplicates) {}

  /// The epoch whose order the next reset() builds.
  void set_epoch(size_t epoch) { epoch_ = epoch; }
  size_t epoch() const { return epoch_; }

 protected:
  size_t local_sample_count() const {
    if (num_replicas_ == 0) return 0;
    return allow_duplicates_ ? (size_ + num_replicas_ - 1) / num_replicas_ : size_ / num_replicas_;
  }

  size_t size_;
  size_t num_replicas_;
  size_t rank_;
  size_t epoch_;
  bool allow_duplicates_;
};

namespace detail {
/// What both concrete samplers keep: this rank's indices of the epoch and the position in them.
class DistributedShard : public DistributedSampler<> {
 public:
  DistributedShard(size_t size, size_t num_replicas, size_t rank, bool allow_duplicates);
  /// The next `batch_size` indices of this rank's shard (fewer at its end), nullopt after it.
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
  /// This rank's indices for the current epoch (as reset() last built them), in order.
  const std::vector<size_t>& indices() const { return indices_; }
  /// Indices handed out so far in this epoch.
  size_t index() const noexcept { return sample_index_; }

 protected:
  /// This rank's share of `order` (a permutation of 0..size-1); starts the epoch over.
  void take_shard(const std::vector<size_t>& order);

  std::vector<size_t> indices_;
  size_t sample_index_ = 0;
};
}  // namespace detail

/// A new random order of the whole dataset every epoch, cut into one shard per rank.
class DistributedRandomSampler : public detail::DistributedShard {
 public:
  DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                           bool allow_duplicates = true);
  /// Starts the epoch over in the order of epoch(); a new size changes the dataset size.
  void reset(std::optional<size_t> new_size = std::nullopt) override;
};

/// The dataset in order, rank r taking the r-th contiguous block of it.
class DistributedSequentialSampler : public detail::DistributedShard {
 public:
  DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                               bool allow_duplicates = true);
  /// Starts the epoch over; a new size changes the dataset size.
  void reset(std::optional<size_t> new_size = std::nullopt) override;
};

}  // namespace samplers
}  // namespace data
}  // namespace nabla
