// DataLoader: batches from a dataset, optionally shuffled, built ahead by worker threads.
//   nabla::data::DataLoader loader(dataset, nabla::data::DataLoaderOptions(64).shuffle(true)
//                                              .num_workers(2).seed(42));
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (auto& batch : loader) { ... batch.data ... batch.target ... }
//
// Each range-for is one epoch. With shuffle, epoch e (counting from 0, or from set_epoch)
// visits the examples in the order permutation(size, seed + e): reproducible, and independent
// of the global random generator. Workers deliver batches in order, so the batches are the same
// for any num_workers. Breaking out of the loop (or an exception) stops the workers.
//
// With a sampler (a shared samplers::Sampler<>, e.g. DistributedRandomSampler), each epoch is
// what the sampler hands out after reset(dataset size), in batch_size requests; the loader
// leaves the sampler's epoch to the caller (sampler->set_epoch(e) before the loop, as in
// PyTorch), and shuffle must be off.
#pragma once

#include "nabla/arg.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/data/dataset.h"
#include "nabla/data/samplers/base.h"

namespace nabla {
namespace data {

struct DataLoaderOptions {
  DataLoaderOptions(int64_t batch_size = 1) : batch_size_(batch_size) {}  // NOLINT
  NABLA_ARG(int64_t, batch_size);
  /// Visit the examples in a new random order each epoch.
  NABLA_ARG(bool, shuffle) = false;
  /// Skip the last batch when it is smaller than batch_size.
  NABLA_ARG(bool, drop_last) = false;
  /// Threads that build batches ahead of the loop; 0 builds them in the loop's thread.
  NABLA_ARG(int64_t, num_workers) = 0;
  /// Seed of the shuffling generator.
  NABLA_ARG(uint64_t, seed) = 0;
  /// Batches each worker may build ahead of the loop.
  NABLA_ARG(int64_t, prefetch_factor) = 2;

 public:
  // LibTorch's names, for make_data_loader (nabla/data/stateless_dataloader.h):
  /// Worker threads (num_workers).
  DataLoaderOptions& workers(size_t n) {
    num_workers_ = static_cast<int64_t>(n);
    return *this;
  }
  size_t workers() const noexcept { return static_cast<size_t>(num_workers_); }
  /// Batches in flight at once with workers; default 2 * workers.
  NABLA_ARG(std::optional<size_t>, max_jobs) = std::nullopt;
  /// Batches always come in the sampler's order (nabla never reorders them).
  NABLA_ARG(bool, enforce_ordering) = true;
};

/// Makes a batch of examples; the default stacks data and targets along a new first dimension.
using CollateFn = std::function<Batch(std::vector<Example<>>)>;
/// nabla::stack of the data, and of the targets when they are defined.
Batch default_collate(std::vector<Example<>> examples);

namespace detail {
class EpochRun;
}

class DataLoader {
 public:
  DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options = {},
             CollateFn collate = nullptr);
  /// Takes a copy of the dataset (TensorDataset copies share their tensors).
  template <class D, std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>>, int> = 0>
  DataLoader(D&& dataset, DataLoaderOptions options = {}, CollateFn collate = nullptr)
      : DataLoader(
            std::shared_ptr<Dataset>(std::make_shared<std::decay_t<D>>(std::forward<D>(dataset))),
            std::move(options), std::move(collate)) {}
  /// Batches in the order `sampler` gives them (see above).
  DataLoader(std::shared_ptr<Dataset> dataset, std::shared_ptr<samplers::Sampler<>> sampler,
             DataLoaderOptions options = {}, CollateFn collate = nullptr);
  template <class D, std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>>, int> = 0>
  DataLoader(D&& dataset, std::shared_ptr<samplers::Sampler<>> sampler,
             DataLoaderOptions options = {}, CollateFn collate = nullptr)
      : DataLoader(
            std::shared_ptr<Dataset>(std::make_shared<std::decay_t<D>>(std::forward<D>(dataset))),
            std::move(sampler), std::move(options), std::move(collate)) {}
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// An input iterator over one epoch's batches; copies share the same position.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = Batch*;
    using reference = Batch&;

    Iterator() = default;
    Batch& operator*() const;
    Batch* operator->() const { return &**this; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return at_end() == other.at_end(); }
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<detail::EpochRun> run) : run_(std::move(run)) {}
    bool at_end() const;
    std::shared_ptr<detail::EpochRun> run_;
  };

  /// Starts the next epoch (workers begin building its first batches).
  Iterator begin();
  Iterator end() { return Iterator(); }

  /// Batches per epoch. With a sampler, those of the epoch the sampler is set to: it is reset
  /// and drained to count them (a RandomSampler would draw a new order).
  size_t size() const;
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  /// The epoch the next begin() starts.
  int64_t epoch() const { return epoch_; }
  void set_epoch(int64_t epoch) { epoch_ = epoch; }

 private:
  /// The epoch's batches of indices, from the sampler or the loader's own order.
  std::vector<std::vector<size_t>> epoch_batches() const;

  std::shared_ptr<Dataset> dataset_;
  std::shared_ptr<samplers::Sampler<>> sampler_;
  DataLoaderOptions options_;
  CollateFn collate_;
  int64_t epoch_ = 0;
};

}  // namespace data
}  // namespace nabla
