// TensorDataset, Subset, random_split and the seeded permutation the DataLoader shuffles with.
#include "nabla/data/dataset.h"

#include <limits>
#include <numeric>
#include <random>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::data {

std::optional<Batch> Dataset::get_stacked(const std::vector<size_t>& /*indices*/) {
  return std::nullopt;
}

// ---- permutation -----------------------------------------------------------------------

namespace {
// Uniform in [0, n) without modulo bias. std::mt19937_64's output is fixed by the standard
// (unlike std::uniform_int_distribution's), so orders are the same on every platform.
uint64_t uniform_below(std::mt19937_64& gen, uint64_t n) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - max % n;  // accept [0, limit): a multiple of n values
  uint64_t x = gen();
  while (x >= limit) x = gen();
  return x % n;
}
}  // namespace

std::vector<size_t> permutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 gen(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[uniform_below(gen, i)]);
  return order;
}

// ---- TensorDataset ---------------------------------------------------------------------

namespace {
Tensor index_tensor(const std::vector<size_t>& indices) {
  Tensor idx = nabla::empty({static_cast<int64_t>(indices.size())}, TensorOptions(kLong));
  int64_t* p = idx.data_ptr<int64_t>();
  for (size_t i = 0; i < indices.size(); ++i) p[i] = static_cast<int64_t>(indices[i]);
  return idx;
}
}  // namespace

TensorDataset::TensorDataset(Tensor data, Tensor target) {
  set_tensors(std::move(data), std::move(target));
}

void TensorDataset::set_tensors(Tensor data, Tensor target) {
  NABLA_CHECK(data.defined(), "[TensorDataset] data is an undefined tensor");
  NABLA_CHECK(data.dim() >= 1,
              "[TensorDataset] data must have at least one dimension (the "
              "examples), got a 0-d tensor");
  if (target.defined()) {
    NABLA_CHECK(target.dim() >= 1 && target.size(0) == data.size(0),
                "[TensorDataset] data has {} examples (shape {}) but target has shape {}",
                data.size(0), data.sizes(), target.sizes());
  }
  data_ = std::move(data);
  target_ = std::move(target);
}

size_t TensorDataset::size() const { return static_cast<size_t>(data_.size(0)); }

Example<> TensorDataset::get(size_t index) {
  NABLA_CHECK(index < size(), "[TensorDataset] index {} is out of range for a dataset of size {}",
              index, size());
  const auto i = static_cast<int64_t>(index);
  return {data_.select(0, i), target_.defined() ? target_.select(0, i) : Tensor()};
}

std::optional<Batch> TensorDataset::get_stacked(const std::vector<size_t>& indices) {
  for (size_t i : indices) {
    NABLA_CHECK(i < size(), "[TensorDataset] index {} is out of range for a dataset of size {}", i,
                size());
  }
  const Tensor idx = index_tensor(indices);
  return Batch{data_.index_select(0, idx),
               target_.defined() ? target_.index_select(0, idx) : Tensor()};
}

// ---- Subset and random_split -----------------------------------------------------------

Subset::Subset(std::shared_ptr<Dataset> dataset, std::vector<size_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  NABLA_CHECK(dataset_ != nullptr, "[Subset] the dataset is null");
  const size_t n = dataset_->size();
  for (size_t i : indices_)
    NABLA_CHECK(i < n, "[Subset] index {} is out of range for a dataset of size {}", i, n);
}

Example<> Subset::get(size_t index) {
  NABLA_CHECK(index < indices_.size(), "[Subset] index {} is out of range for a subset of size {}",
              index, indices_.size());
  return dataset_->get(indices_[index]);
}

std::optional<Batch> Subset::get_stacked(const std::vector<size_t>& indices) {
  std::vector<size_t> mapped;
  mapped.reserve(indices.size());
  for (size_t i : indices) {
    NABLA_CHECK(i < indices_.size(), "[Subset] index {} is out of range for a subset of size {}", i,
                indices_.size());
    mapped.push_back(indices_[i]);
  }
  return dataset_->get_stacked(mapped);
}

std::vector<Subset> random_split(std::shared_ptr<Dataset> dataset,
                                 const std::vector<int64_t>& lengths, uint64_t seed) {
  NABLA_CHECK(dataset != nullptr, "[random_split] the dataset is null");
  int64_t total = 0;
  for (int64_t len : lengths) {
    NABLA_CHECK(len >= 0, "[random_split] lengths must be non-negative, got {}",
                IntArrayRef(lengths));
    NABLA_CHECK(!__builtin_add_overflow(total, len, &total),
                "[random_split] the lengths {} overflow int64 when summed", IntArrayRef(lengths));
  }
  NABLA_CHECK(static_cast<size_t>(total) == dataset->size(),
              "[random_split] the lengths {} sum to {} but the dataset has {} examples",
              IntArrayRef(lengths), total, dataset->size());
  const std::vector<size_t> order = permutation(dataset->size(), seed);
  std::vector<Subset> out;
  size_t start = 0;
  for (int64_t len : lengths) {
    const auto n = static_cast<size_t>(len);
    out.emplace_back(dataset,
                     std::vector<size_t>(order.begin() + start, order.begin() + start + n));
    start += n;
  }
  return out;
}

}  // namespace nabla::data
