// Samplers: the order in which a LibTorch-style data loader (make_data_loader) visits a
// dataset, as LibTorch's torch::data::samplers. A sampler hands out batches of indices:
//   sampler.reset(dataset_size);                       // at the start of every epoch
//   while (auto indices = sampler.next(batch_size)) { ... }   // nullopt: the epoch is over
// nabla's own DataLoader (dataloader.h) shuffles by itself, or takes a shared sampler.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace nabla {
namespace data {
namespace samplers {

template <class BatchRequest = std::vector<size_t>>
class Sampler {
 public:
  using BatchRequestType = BatchRequest;
  virtual ~Sampler() = default;
  /// Starts a new epoch; a new size, when given, replaces the dataset size.
  virtual void reset(std::optional<size_t> new_size) = 0;
  /// Up to `batch_size` indices, or nullopt when the epoch has none left.
  virtual std::optional<BatchRequest> next(size_t batch_size) = 0;
};

}  // namespace samplers
}  // namespace data
}  // namespace nabla
