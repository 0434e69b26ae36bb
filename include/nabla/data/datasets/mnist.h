// MNIST and Fashion-MNIST from their IDX files (plain or .gz) in a directory:
//   train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
//   t10k-labels-idx1-ubyte.
//   nabla::data::datasets::FashionMNIST test("/usr/share/datasets/fashion-mnist", false);
//   test.size() == 10000; test.get(0).data: float32 [1, 28, 28] in [0, 1]; .target: int64
#pragma once

#include <string>
#include <utility>

#include "nabla/data/datasets/base.h"

namespace nabla {
namespace data {
namespace datasets {

class MNIST : public TensorDataset {
 public:
  enum class Mode { kTrain, kTest };
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);
  MNIST(const std::string& root, bool train);

  bool is_train() const noexcept { return train_; }
  /// All images, float32 [N, 1, 28, 28].
  const Tensor& images() const { return data(); }
  /// All labels, int64 [N], in 0..9.
  const Tensor& targets() const { return target(); }
  /// Replaces every pixel x by (x - mean) / stddev; returns *this. Usual values: MNIST
  /// (0.1307, 0.3081), Fashion-MNIST (0.2860, 0.3530).
  MNIST& normalize(double mean, double stddev);
  /// LibTorch's MNIST(root).map(transforms::Normalize<>(...)).map(transforms::Stack<>()).
  template <class T>
  MapDataset<MNIST, T> map(T transform) const {
    return MapDataset<MNIST, T>(*this, std::move(transform));
  }

 protected:
  MNIST(const std::string& root, bool train, const char* name);

 private:
  bool train_;
};

/// The same files and layout, with Zalando's clothing images.
class FashionMNIST : public MNIST {
 public:
  explicit FashionMNIST(const std::string& root, Mode mode = Mode::kTrain);
  FashionMNIST(const std::string& root, bool train);
};

}  // namespace datasets
}  // namespace data
}  // namespace nabla
