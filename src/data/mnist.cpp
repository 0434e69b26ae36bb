// MNIST / Fashion-MNIST: the four IDX files of a directory, plain or gzip-compressed.
#include "nabla/data/datasets/mnist.h"

#include <filesystem>

#include "core/check.h"
#include "nabla/data/idx.h"
#include "nabla/ops.h"

namespace nabla::data::datasets {

namespace {

// root/name, or root/name.gz when only that exists.
std::string find_file(const std::string& root, const std::string& name, const char* who) {
  const std::filesystem::path plain = std::filesystem::path(root) / name;
  std::error_code ec;
  if (std::filesystem::exists(plain, ec)) return plain.string();
  const std::filesystem::path gz = plain.string() + ".gz";
  if (std::filesystem::exists(gz, ec)) return gz.string();
  NABLA_ERROR("[{}] cannot find '{}' (nor '{}')", who, plain.string(), gz.string());
}

}  // namespace

MNIST::MNIST(const std::string& root, Mode mode) : MNIST(root, mode == Mode::kTrain, "MNIST") {}
MNIST::MNIST(const std::string& root, bool train) : MNIST(root, train, "MNIST") {}

MNIST::MNIST(const std::string& root, bool train, const char* name) : train_(train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte", name);
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte", name);
  const Tensor images = read_idx(images_path);
  const Tensor labels = read_idx(labels_path);
  NABLA_CHECK(images.scalar_type() == kByte && images.dim() == 3,
              "[{}] '{}' should hold uint8 images [N, rows, cols], got {} {}", name, images_path,
              images.scalar_type(), images.sizes());
  NABLA_CHECK(labels.scalar_type() == kByte && labels.dim() == 1,
              "[{}] '{}' should hold uint8 labels [N], got {} {}", name, labels_path,
              labels.scalar_type(), labels.sizes());
  NABLA_CHECK(images.size(0) == labels.size(0), "[{}] '{}' has {} images but '{}' has {} labels",
              name, images_path, images.size(0), labels_path, labels.size(0));
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.numel(); ++i) {
    NABLA_CHECK(l[i] < 10, "[{}] '{}': label {} is {}, expected 0..9", name, labels_path, i,
                int{l[i]});
  }
  set_tensors(images.to(kFloat).div_(255.0).unsqueeze(1), labels.to(kLong));
}

MNIST& MNIST::normalize(double mean, double stddev) {
  NABLA_CHECK(stddev > 0, "[MNIST] normalize needs a positive stddev, got {}", stddev);
  Tensor images = data();
  images.sub_(mean).div_(stddev);
  return *this;
}

FashionMNIST::FashionMNIST(const std::string& root, Mode mode)
    : MNIST(root, mode == Mode::kTrain, "FashionMNIST") {}
FashionMNIST::FashionMNIST(const std::string& root, bool train)
    : MNIST(root, train, "FashionMNIST") {}

}  // namespace nabla::data::datasets
