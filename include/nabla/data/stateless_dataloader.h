// LibTorch's data loader: make_data_loader over a dataset (often a .map(...) pipeline) and a
// sampler, returned behind a std::unique_ptr as in LibTorch:
//
//   auto ds = nabla::data::datasets::MNIST(root)
//                 .map(nabla::data::transforms::Normalize<>(0.1307, 0.3081))
//                 .map(nabla::data::transforms::Stack<>());
//   auto loader = nabla::data::make_data_loader<nabla::data::samplers::SequentialSampler>(
//       std::move(ds), nabla::data::DataLoaderOptions().batch_size(64).workers(2));
//   for (auto& batch : *loader) { ... batch.data ... batch.target ... }
//
// Every range-for is one epoch: the sampler is reset, asked for batches of indices, and the
// dataset builds each batch, in the loop's thread or (with workers) in threads that run up to
// max_jobs batches ahead. Batches come in the sampler's order for any number of workers.
// nabla's own DataLoader (dataloader.h) is the simpler alternative.
#pragma once

#include <cstddef>
#include <deque>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "nabla/core.h"
#include "nabla/data/dataloader.h"
#include "nabla/data/datasets/base.h"
#include "nabla/data/samplers.h"

namespace nabla {
namespace data {

template <class Dataset, class Sampler>
class StatelessDataLoader {
 public:
  using BatchType = typename datasets::detail::DatasetTraits<Dataset>::BatchType;
  using BatchRequestType = typename Sampler::BatchRequestType;

  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : dataset_(std::move(dataset)), sampler_(std::move(sampler)), options_(options) {
    if (options_.batch_size() <= 0) {
      throw Error("[make_data_loader] batch_size must be positive, got " +
                  std::to_string(options_.batch_size()));
    }
  }
  StatelessDataLoader(const StatelessDataLoader&) = delete;
  StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = BatchType;
    using difference_type = std::ptrdiff_t;
    using pointer = BatchType*;
    using reference = BatchType&;
    Iterator() = default;
    BatchType& operator*() const { return *loader_->current_; }
    BatchType* operator->() const { return &*loader_->current_; }
    Iterator& operator++() {
      loader_->advance();
      return *this;
    }
    bool operator==(const Iterator& o) const { return at_end() == o.at_end(); }
    bool operator!=(const Iterator& o) const { return !(*this == o); }

   private:
    friend class StatelessDataLoader;
    explicit Iterator(StatelessDataLoader* loader) : loader_(loader) {}
    bool at_end() const { return loader_ == nullptr || !loader_->current_.has_value(); }
    StatelessDataLoader* loader_ = nullptr;
  };

  /// Starts a new epoch.
  Iterator begin() {
    pending_.clear();
    sampler_.reset(datasets::detail::size_of(dataset_));
    sampler_done_ = false;
    advance();
    return Iterator(this);
  }
  Iterator end() { return Iterator(); }
  const DataLoaderOptions& options() const noexcept { return options_; }
  /// Waits for the batches being built (LibTorch's join).
  void join() { pending_.clear(); }
  ~StatelessDataLoader() { join(); }

 private:
  // The next batch request from the sampler, or nullopt at the end of the epoch (a last
  // short batch counts as the end with drop_last).
  std::optional<BatchRequestType> next_request() {
    if (sampler_done_) return std::nullopt;
    const size_t bs = static_cast<size_t>(options_.batch_size());
    auto request = sampler_.next(bs);
    if (!request || (options_.drop_last() && request->size() < bs)) {
      sampler_done_ = true;
      return std::nullopt;
    }
    return request;
  }
  BatchType build(const BatchRequestType& request) {
    return datasets::detail::get_batch(dataset_, request);
  }
  void advance() {
    current_.reset();
    if (options_.workers() == 0) {
      if (auto request = next_request()) current_.emplace(build(*request));
      return;
    }
    const size_t jobs = options_.max_jobs().value_or(2 * options_.workers());
    while (pending_.size() < (jobs > 0 ? jobs : 1)) {
      auto request = next_request();
      if (!request) break;
      pending_.push_back(
          std::async(std::launch::async, [this, r = std::move(*request)] { return build(r); }));
    }
    if (pending_.empty()) return;
    auto future = std::move(pending_.front());
    pending_.pop_front();
    current_.emplace(future.get());  // rethrows what the worker raised
  }

  Dataset dataset_;
  Sampler sampler_;
  DataLoaderOptions options_;
  bool sampler_done_ = false;
  std::optional<BatchType> current_;
  std::deque<std::future<BatchType>> pending_;
};

/// A loader over `dataset` with `sampler`.
template <class Dataset, class Sampler>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset,
                                                                        Sampler sampler,
                                                                        DataLoaderOptions options) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(
      std::move(dataset), std::move(sampler), std::move(options));
}

/// A loader over `dataset` with a Sampler built from the dataset's size (RandomSampler by
/// default, as in LibTorch).
template <class Sampler = samplers::RandomSampler, class Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(
    Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const std::optional<size_t> size = datasets::detail::size_of(dataset);
  if (!size) throw Error("[make_data_loader] the dataset must know its size");
  Sampler sampler(static_cast<int64_t>(*size));
  return make_data_loader(std::move(dataset), std::move(sampler), std::move(options));
}
template <class Sampler = samplers::RandomSampler, class Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset,
                                                                        size_t batch_size) {
  return make_data_loader<Sampler>(std::move(dataset),
                                   DataLoaderOptions(static_cast<int64_t>(batch_size)));
}

}  // namespace data
}  // namespace nabla
