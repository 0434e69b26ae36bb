// LibTorch's data transforms (torch::data::transforms), applied with dataset.map(...):
//   auto ds = nabla::data::datasets::MNIST(root)
//                 .map(nabla::data::transforms::Normalize<>(0.1307, 0.3081))
//                 .map(nabla::data::transforms::Stack<>());   // batches become one Example<>
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "nabla/data/dataset.h"
#include "nabla/tensor.h"

namespace nabla {
namespace data {
namespace transforms {

/// Maps a whole batch.
template <class InputBatch, class OutputBatch>
class BatchTransform {
 public:
  using InputBatchType = InputBatch;
  using OutputBatchType = OutputBatch;
  virtual ~BatchTransform() = default;
  virtual OutputBatch apply_batch(InputBatch input_batch) = 0;
};

/// A transform that makes one batch out of the examples (LibTorch's Collation): apply_batch
/// takes the raw batch, by default a vector of BatchType.
template <class BatchType, class RawBatchType = std::vector<BatchType>>
using Collation = BatchTransform<RawBatchType, BatchType>;

/// Maps each example of a batch.
template <class Input, class Output>
class Transform : public BatchTransform<std::vector<Input>, std::vector<Output>> {
 public:
  using InputType = Input;
  using OutputType = Output;
  virtual OutputType apply(InputType input) = 0;
  std::vector<Output> apply_batch(std::vector<Input> input_batch) override {
    std::vector<Output> out;
    out.reserve(input_batch.size());
    for (auto& input : input_batch) out.push_back(apply(std::move(input)));
    return out;
  }
};

/// A Transform from a function: Lambda<Example<>>([](Example<> e) { ...; return e; }).
template <class Input, class Output = Input>
class Lambda : public Transform<Input, Output> {
 public:
  using FunctionType = std::function<Output(Input)>;
  explicit Lambda(FunctionType function) : function_(std::move(function)) {}
  Output apply(Input input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

/// A BatchTransform from a function.
template <class Input, class Output = Input>
class BatchLambda : public BatchTransform<Input, Output> {
 public:
  using FunctionType = std::function<Output(Input)>;
  explicit BatchLambda(FunctionType function) : function_(std::move(function)) {}
  Output apply_batch(Input input_batch) override { return function_(std::move(input_batch)); }

 private:
  FunctionType function_;
};

/// A Collation from a function (LibTorch's Collate).
template <class BatchType, class RawBatchType = std::vector<BatchType>>
using Collate = BatchLambda<RawBatchType, BatchType>;

/// Maps the data tensor of each example, keeping its target.
template <class Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;
  virtual Tensor operator()(Tensor input) = 0;
  E apply(E input) override {
    input.data = (*this)(std::move(input.data));
    return input;
  }
};

template <class Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  using FunctionType = std::function<Tensor(Tensor)>;
  explicit TensorLambda(FunctionType function) : function_(std::move(function)) {}
  Tensor operator()(Tensor input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

/// (data - mean) / stddev per channel (dim 0 of each example's data), as LibTorch's.
template <class Target = Tensor>
class Normalize : public TensorTransform<Target> {
 public:
  Normalize(double mean, double stddev)
      : Normalize(std::vector<double>{mean}, std::vector<double>{stddev}) {}
  Normalize(const std::vector<double>& mean, const std::vector<double>& stddev)
      : mean(channel_tensor(mean)), stddev(channel_tensor(stddev)) {}
  Tensor operator()(Tensor input) override { return input.sub(mean).div(stddev); }
  Tensor mean, stddev;

 private:
  static Tensor channel_tensor(const std::vector<double>& v);  // [C, 1, 1] float32
};

/// Image augmentation (torchvision's names): each transform takes one image [C, H, W] or a
/// batch [N, C, H, W] and draws a new random choice per image from its own generator, seeded
/// at construction. The draws follow the order the images come in, so a transform applied in
/// the training loop to each batch (as examples/fashion_mnist.cpp does) gives the same images
/// run after run for any number of threads; copies of a transform share its generator.
namespace detail {
struct AugmentRng;  // a seeded std::mt19937_64 (transforms.cpp)
std::shared_ptr<AugmentRng> make_augment_rng(uint64_t seed);
Tensor random_crop(const Tensor& images, int64_t size, int64_t padding, AugmentRng& rng);
Tensor random_horizontal_flip(const Tensor& images, double p, AugmentRng& rng);
}  // namespace detail

/// A random size x size window of the image zero-padded by `padding` on every side (the
/// classic "pad 4, crop 32" of CIFAR, or pad 2, crop 28 for MNIST-sized images).
template <class Target = Tensor>
class RandomCrop : public TensorTransform<Target> {
 public:
  RandomCrop(int64_t size, int64_t padding = 0, uint64_t seed = 0)
      : size(size), padding(padding), rng_(detail::make_augment_rng(seed)) {}
  Tensor operator()(Tensor input) override {
    return detail::random_crop(input, size, padding, *rng_);
  }
  int64_t size, padding;

 private:
  std::shared_ptr<detail::AugmentRng> rng_;
};

/// Mirrors the image left-right with probability p.
template <class Target = Tensor>
class RandomHorizontalFlip : public TensorTransform<Target> {
 public:
  explicit RandomHorizontalFlip(double p = 0.5, uint64_t seed = 0)
      : p(p), rng_(detail::make_augment_rng(seed)) {}
  Tensor operator()(Tensor input) override {
    return detail::random_horizontal_flip(input, p, *rng_);
  }
  double p;

 private:
  std::shared_ptr<detail::AugmentRng> rng_;
};

/// Stacks a batch of examples into one Example whose tensors have the batch as dim 0.
template <class T = Example<>>
struct Stack;

template <>
struct Stack<Example<>> : BatchTransform<std::vector<Example<>>, Example<>> {
  Example<> apply_batch(std::vector<Example<>> examples) override;
};
template <>
struct Stack<TensorExample> : BatchTransform<std::vector<TensorExample>, TensorExample> {
  TensorExample apply_batch(std::vector<TensorExample> examples) override;
};

namespace detail {
Tensor normalize_channels(const std::vector<double>& values);
}
template <class Target>
Tensor Normalize<Target>::channel_tensor(const std::vector<double>& v) {
  return detail::normalize_channels(v);
}

}  // namespace transforms
}  // namespace data
}  // namespace nabla
