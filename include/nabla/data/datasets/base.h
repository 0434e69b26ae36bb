// LibTorch's dataset templates (torch::data::datasets), for users' own datasets in LibTorch's
// style and for .map(transform) pipelines fed to make_data_loader:
//
//   struct Squares : nabla::data::datasets::Dataset<Squares> {
//     nabla::data::Example<> get(size_t i) override { ... }
//     std::optional<size_t> size() const override { return 100; }
//   };
//   auto ds = Squares().map(nabla::data::transforms::Stack<>());
//
// nabla's own datasets (data::Dataset: TensorDataset, MNIST, ...) work as sources too: their
// get(i) examples are gathered into a std::vector<Example<>> per batch.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core.h"
#include "nabla/data/dataset.h"

namespace nabla {
namespace data {
namespace datasets {

template <class Source, class AppliedTransform>
class MapDataset;

namespace detail {

template <class D>
constexpr bool is_nabla_dataset = std::is_base_of_v<::nabla::data::Dataset, D>;

template <class D, class = void>
struct DatasetTraits {  // nabla's data::Dataset: example by example
  using BatchType = std::vector<Example<>>;
  using BatchRequestType = ArrayRef<size_t>;
};
template <class D>
struct DatasetTraits<D, std::enable_if_t<!is_nabla_dataset<D>>> {
  using BatchType = typename D::BatchType;
  using BatchRequestType = typename D::BatchRequestType;
};

/// The examples at `indices`: D::get_batch, or get(i) for each index of a nabla dataset.
template <class D>
typename DatasetTraits<D>::BatchType get_batch(D& dataset, ArrayRef<size_t> indices) {
  if constexpr (is_nabla_dataset<D>) {
    std::vector<Example<>> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(dataset.get(i));
    return batch;
  } else {
    return dataset.get_batch(indices);
  }
}

/// The dataset's size as LibTorch returns it (nabla's datasets always know theirs).
template <class D>
std::optional<size_t> size_of(const D& dataset) {
  return std::optional<size_t>(dataset.size());
}

}  // namespace detail

/// A dataset that returns whole batches: LibTorch's BatchDataset.
template <class Self, class Batch = std::vector<Example<>>, class BatchRequest = ArrayRef<size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  constexpr static bool is_stateful = false;

  virtual ~BatchDataset() = default;
  virtual Batch get_batch(BatchRequest request) = 0;
  /// The number of examples, if known.
  virtual std::optional<size_t> size() const = 0;

  /// A dataset whose batches are those of this one passed through `transform`.
  template <class TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return MapDataset<Self, TransformType>(static_cast<Self&>(*this), std::move(transform));
  }
  template <class TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return MapDataset<Self, TransformType>(std::move(static_cast<Self&>(*this)),
                                           std::move(transform));
  }
};

/// A dataset of single examples: define get(index) and size(). get may be called from
/// several loader workers at once.
template <class Self, class SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;
  virtual ExampleType get(size_t index) = 0;
  std::vector<ExampleType> get_batch(ArrayRef<size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

/// A source dataset with a transform applied to each of its batches (what .map() returns).
template <class Source, class AppliedTransform>
class MapDataset : public BatchDataset<MapDataset<Source, AppliedTransform>,
                                       typename AppliedTransform::OutputBatchType,
                                       typename detail::DatasetTraits<Source>::BatchRequestType> {
 public:
  using DatasetType = Source;
  using TransformType = AppliedTransform;
  using BatchRequestType = typename detail::DatasetTraits<Source>::BatchRequestType;
  using OutputBatchType = typename AppliedTransform::OutputBatchType;

  MapDataset(Source dataset, AppliedTransform transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType indices) override {
    return transform_.apply_batch(detail::get_batch(dataset_, indices));
  }
  std::optional<size_t> size() const override { return detail::size_of(dataset_); }
  const Source& dataset() noexcept { return dataset_; }
  const AppliedTransform& transform() noexcept { return transform_; }

 private:
  Source dataset_;
  AppliedTransform transform_;
};

/// map(dataset, transform), as LibTorch's datasets::map.
template <class D, class T>
MapDataset<D, T> map(D dataset, T transform) {
  return MapDataset<D, T>(std::move(dataset), std::move(transform));
}

}  // namespace datasets
}  // namespace data
}  // namespace nabla
