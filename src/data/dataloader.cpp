// DataLoader: splits an epoch's (possibly shuffled) indices into batches and builds them, in the
// loop's thread or in worker threads that run ahead by a bounded number of batches.
#include "nabla/data/dataloader.h"

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::data {

namespace {
constexpr int64_t kMaxWorkers = 1024;
}  // namespace

Batch default_collate(std::vector<Example<>> examples) {
  NABLA_CHECK(!examples.empty(), "[default_collate] no examples to collate");
  std::vector<Tensor> data, target;
  data.reserve(examples.size());
  const bool has_target = examples.front().target.defined();
  for (size_t i = 0; i < examples.size(); ++i) {
    NABLA_CHECK(examples[i].target.defined() == has_target,
                "[default_collate] example 0 {} a target but example {} {}",
                has_target ? "has" : "has no", i, has_target ? "has none" : "has one");
    data.push_back(std::move(examples[i].data));
    if (has_target) target.push_back(std::move(examples[i].target));
  }
  return {nabla::stack(data), has_target ? nabla::stack(target) : Tensor()};
}

namespace detail {

// num_workers * prefetch, saturated: a product that wrapped (to 0, or negative) made the workers
// wait for room that never came, hanging the loop.
size_t batches_in_flight(int64_t num_workers, int64_t prefetch) {
  int64_t n = 0;
  if (__builtin_mul_overflow(num_workers, prefetch, &n)) return SIZE_MAX;
  return static_cast<size_t>(n);
}

// One epoch: the batches' indices and, with workers, the threads building them. Batch b is
// claimed by whichever worker is free, but delivered strictly in order; at most `capacity`
// batches beyond the one the loop waits for exist at any time.
class EpochRun {
 public:
  EpochRun(std::shared_ptr<Dataset> dataset, CollateFn collate,
           std::vector<std::vector<size_t>> batches, int64_t num_workers, int64_t prefetch)
      : dataset_(std::move(dataset)),
        collate_(std::move(collate)),
        batches_(std::move(batches)),
        capacity_(batches_in_flight(num_workers, prefetch)) {
    try {
      for (int64_t w = 0; w < num_workers; ++w) workers_.emplace_back([this] { work(); });
    } catch (...) {
      stop_workers();  // a thread that could not start: the others must not outlive us unjoined
      throw;
    }
  }

  ~EpochRun() { stop_workers(); }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    can_claim_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }
  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  // Moves to the next batch; false at the end of the epoch. Rethrows a worker's exception.
  bool advance() {
    if (next_ >= batches_.size()) {
      done_ = true;
      return false;
    }
    if (workers_.empty()) {
      current_ = make_batch(next_++);
      return true;
    }
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [&] { return ready_.count(next_) != 0; });
      auto it = ready_.find(next_);
      slot = std::move(it->second);
      ready_.erase(it);
      ++next_;
    }
    can_claim_.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    current_ = std::move(slot.batch);
    return true;
  }

  Batch& current() { return current_; }
  bool done() const { return done_; }

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  Batch make_batch(size_t b) {
    const std::vector<size_t>& indices = batches_[b];
    if (!collate_) {
      if (std::optional<Batch> stacked = dataset_->get_stacked(indices)) return *stacked;
    }
    std::vector<Example<>> examples;
    examples.reserve(indices.size());
    for (size_t i : indices) examples.push_back(dataset_->get(i));
    return collate_ ? collate_(std::move(examples)) : default_collate(std::move(examples));
  }

  void work() {
    for (;;) {
      size_t b = 0;
      {
        std::unique_lock<std::mutex> lock(mu_);
        can_claim_.wait(lock, [&] {
          // claimed_ >= next_ always; `next_ + capacity_` would wrap for a saturated capacity.
          return stop_ || claimed_ >= batches_.size() || claimed_ - next_ < capacity_;
        });
        if (stop_ || claimed_ >= batches_.size()) return;
        b = claimed_++;
      }
      Slot slot;
      try {
        slot.batch = make_batch(b);
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.emplace(b, std::move(slot));
      }
      ready_cv_.notify_all();
    }
  }

  std::shared_ptr<Dataset> dataset_;
  CollateFn collate_;
  std::vector<std::vector<size_t>> batches_;
  size_t capacity_;
  Batch current_;
  bool done_ = false;

  std::mutex mu_;
  std::condition_variable can_claim_, ready_cv_;
  size_t next_ = 0;     // the batch the loop takes next
  size_t claimed_ = 0;  // batches handed to workers so far
  std::map<size_t, Slot> ready_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace detail

// ---- DataLoader ------------------------------------------------------------------------

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options,
                       CollateFn collate)
    : dataset_(std::move(dataset)), options_(std::move(options)), collate_(std::move(collate)) {
  NABLA_CHECK(dataset_ != nullptr, "[DataLoader] the dataset is null");
  NABLA_CHECK(options_.batch_size() >= 1, "[DataLoader] batch_size must be positive, got {}",
              options_.batch_size());
  NABLA_CHECK(options_.num_workers() >= 0, "[DataLoader] num_workers must be >= 0, got {}",
              options_.num_workers());
  // Each worker is a thread; past this many, creating them fails (and a thread that could not
  // be created would leave the others unjoined).
  NABLA_CHECK(options_.num_workers() <= kMaxWorkers,
              "[DataLoader] num_workers must be at most {}, got {}", kMaxWorkers,
              options_.num_workers());
  NABLA_CHECK(options_.prefetch_factor() >= 1,
              "[DataLoader] prefetch_factor must be positive, got {}", options_.prefetch_factor());
}

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset,
                       std::shared_ptr<samplers::Sampler<>> sampler, DataLoaderOptions options,
                       CollateFn collate)
    : DataLoader(std::move(dataset), std::move(options), std::move(collate)) {
  NABLA_CHECK(sampler != nullptr, "[DataLoader] the sampler is null");
  NABLA_CHECK(!options_.shuffle(),
              "[DataLoader] shuffle and a sampler exclude each other: the sampler sets the order");
  sampler_ = std::move(sampler);
}

DataLoader::~DataLoader() = default;

size_t DataLoader::size() const {
  if (sampler_) return epoch_batches().size();
  const size_t n = dataset_->size();
  const auto bs = static_cast<size_t>(options_.batch_size());
  return options_.drop_last() ? n / bs : (n + bs - 1) / bs;
}

std::vector<std::vector<size_t>> DataLoader::epoch_batches() const {
  const size_t n = dataset_->size();
  const auto bs = static_cast<size_t>(options_.batch_size());
  std::vector<std::vector<size_t>> batches;
  if (sampler_) {
    sampler_->reset(n);
    while (auto request = sampler_->next(bs)) {
      if (request->empty() || (request->size() < bs && options_.drop_last())) break;
      for (size_t i : *request)
        NABLA_CHECK(i < n, "[DataLoader] the sampler gave index {} for a dataset of size {}", i, n);
      batches.push_back(std::move(*request));
    }
    return batches;
  }
  std::vector<size_t> order;
  if (options_.shuffle()) {
    order = permutation(n, options_.seed() + static_cast<uint64_t>(epoch_));
  } else {
    order.resize(n);
    std::iota(order.begin(), order.end(), size_t{0});
  }
  for (size_t start = 0; start < n; start += bs) {
    const size_t end = std::min(n, start + bs);
    if (end - start < bs && options_.drop_last()) break;
    batches.emplace_back(order.begin() + start, order.begin() + end);
  }
  return batches;
}

DataLoader::Iterator DataLoader::begin() {
  std::vector<std::vector<size_t>> batches = epoch_batches();
  ++epoch_;
  auto run = std::make_shared<detail::EpochRun>(dataset_, collate_, std::move(batches),
                                                options_.num_workers(), options_.prefetch_factor());
  run->advance();
  return Iterator(std::move(run));
}

bool DataLoader::Iterator::at_end() const { return run_ == nullptr || run_->done(); }

Batch& DataLoader::Iterator::operator*() const {
  NABLA_CHECK(!at_end(), "[DataLoader] dereferencing an iterator past the last batch");
  return run_->current();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  NABLA_CHECK(!at_end(), "[DataLoader] incrementing an iterator past the last batch");
  run_->advance();
  return *this;
}

}  // namespace nabla::data
