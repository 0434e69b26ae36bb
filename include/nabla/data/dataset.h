// Datasets: indexable collections of examples, as torch.utils.data's map-style datasets.
//   nabla::data::TensorDataset ds(images, labels);   // example i: {images[i], labels[i]}
//   auto [train, val] = ... nabla::data::random_split(ds, {50000, 10000}, /*seed=*/0);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {
namespace data {
namespace datasets {
template <class Source, class AppliedTransform>
class MapDataset;  // nabla/data/datasets/base.h
}

/// One sample (or, once collated, one batch): its input and its target, as LibTorch's
/// torch::data::Example<>. A dataset without targets leaves `target` undefined (or uses
/// Example<Tensor, NoTarget>, LibTorch's TensorExample).
template <class Data = Tensor, class Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;
  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}
  Data data;
  Target target;
};
/// The target type of examples that have none.
struct NoTarget {};
template <class Data>
struct Example<Data, NoTarget> {
  using DataType = Data;
  using TargetType = NoTarget;
  Example() = default;
  Example(Data data) : data(std::move(data)) {}  // NOLINT: implicit, as in LibTorch
  operator Data&() { return data; }              // NOLINT
  operator const Data&() const { return data; }  // NOLINT
  Data data;
};
using TensorExample = Example<Tensor, NoTarget>;
/// A batch is an Example whose tensors have the batch as first dimension.
using Batch = Example<>;

/// A map-style dataset. get() may be called from several DataLoader worker threads at once,
/// so it must not modify shared state without synchronisation.
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// The example at `index`, in [0, size()).
  virtual Example<> get(size_t index) = 0;
  virtual size_t size() const = 0;
  /// The examples at `indices` already stacked into a batch, when the dataset can build it in
  /// one go (TensorDataset: one index_select per tensor); nullopt to be collated per example.
  virtual std::optional<Batch> get_stacked(const std::vector<size_t>& indices);
};

/// Examples are slices along the first dimension of one or two tensors.
class TensorDataset : public Dataset {
 public:
  /// `target`, if given, must have as many entries along dim 0 as `data`.
  explicit TensorDataset(Tensor data, Tensor target = Tensor());
  Example<> get(size_t index) override;
  size_t size() const override;
  std::optional<Batch> get_stacked(const std::vector<size_t>& indices) override;
  /// LibTorch's dataset.map(transform) (nabla/data/datasets/base.h, make_data_loader).
  template <class T>
  datasets::MapDataset<TensorDataset, T> map(T transform) const {
    return datasets::MapDataset<TensorDataset, T>(*this, std::move(transform));
  }
  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 protected:
  TensorDataset() = default;
  void set_tensors(Tensor data, Tensor target);

 private:
  Tensor data_;
  Tensor target_;
};

/// The examples of `dataset` at `indices`, in that order.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<Dataset> dataset, std::vector<size_t> indices);
  Example<> get(size_t index) override;
  size_t size() const override { return indices_.size(); }
  std::optional<Batch> get_stacked(const std::vector<size_t>& indices) override;
  const std::vector<size_t>& indices() const { return indices_; }
  const std::shared_ptr<Dataset>& dataset() const { return dataset_; }

 private:
  std::shared_ptr<Dataset> dataset_;
  std::vector<size_t> indices_;
};

/// Splits `dataset` into non-overlapping random subsets of the given lengths (which must sum
/// to its size), shuffled by a generator seeded with `seed`: same seed, same split.
std::vector<Subset> random_split(std::shared_ptr<Dataset> dataset,
                                 const std::vector<int64_t>& lengths, uint64_t seed = 0);
template <class D, std::enable_if_t<std::is_base_of_v<Dataset, D>, int> = 0>
std::vector<Subset> random_split(D dataset, const std::vector<int64_t>& lengths,
                                 uint64_t seed = 0) {
  return random_split(std::shared_ptr<Dataset>(std::make_shared<D>(std::move(dataset))), lengths,
                      seed);
}

/// A random permutation of 0..n-1 from a generator seeded with `seed` alone (the global
/// generator is neither used nor advanced). The DataLoader shuffles epoch e with seed + e.
std::vector<size_t> permutation(size_t n, uint64_t seed);

}  // namespace data
}  // namespace nabla
