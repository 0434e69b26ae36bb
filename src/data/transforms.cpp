// The non-template parts of LibTorch-style data transforms (nabla/data/transforms.h).
#include "nabla/data/transforms.h"

#include <mutex>
#include <random>

#include <fmt/ranges.h>

#include "core/check.h"
#include "nabla/conv.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla::data::transforms {

namespace detail {
Tensor normalize_channels(const std::vector<double>& values) {
  NABLA_CHECK(!values.empty(), "[Normalize] mean and stddev need at least one value");
  return nabla::tensor(values, dtype(kFloat)).view({static_cast<int64_t>(values.size()), 1, 1});
}

struct AugmentRng {
  explicit AugmentRng(uint64_t seed) : engine(seed) {}
  std::mutex mutex;  // a transform may be shared by DataLoader workers
  std::mt19937_64 engine;
  // Uniform in [0, n): the top bits of one draw (the same on every platform, unlike
  // std::uniform_int_distribution).
  int64_t below(int64_t n) {
    return static_cast<int64_t>((engine() >> 11) % static_cast<uint64_t>(n));
  }
  double uniform() { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }
};

std::shared_ptr<AugmentRng> make_augment_rng(uint64_t seed) {
  return std::make_shared<AugmentRng>(seed);
}

namespace {
// Views a [C, H, W] image as a batch of one; checks the rank.
Tensor as_batch(const Tensor& images, const char* op) {
  NABLA_CHECK(images.dim() == 3 || images.dim() == 4,
              "[{}] expects an image [C, H, W] or a batch [N, C, H, W], got shape [{}]", op,
              fmt::join(images.sizes(), ", "));
  return images.dim() == 3 ? images.unsqueeze(0) : images;
}
}  // namespace

Tensor random_crop(const Tensor& images, int64_t size, int64_t padding, AugmentRng& rng) {
  const Tensor batch = as_batch(images, "RandomCrop");
  NABLA_CHECK(size > 0 && padding >= 0,
              "[RandomCrop] size must be positive and padding non-negative, got size {} and "
              "padding {}",
              size, padding);
  const int64_t h = batch.size(2) + 2 * padding, w = batch.size(3) + 2 * padding;
  NABLA_CHECK(size <= h && size <= w,
              "[RandomCrop] a {}x{} window does not fit the padded image {}x{} (input shape "
              "[{}], padding {})",
              size, size, h, w, fmt::join(images.sizes(), ", "), padding);
  const Tensor padded =
      padding ? nabla::constant_pad_nd(batch, {padding, padding, padding, padding}) : batch;
  const int64_t n = batch.size(0);
  Tensor out = nabla::empty({n, batch.size(1), size, size}, batch.options());
  std::lock_guard<std::mutex> lock(rng.mutex);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = rng.below(h - size + 1), left = rng.below(w - size + 1);
    out.select(0, i).copy_(padded.select(0, i).narrow(1, top, size).narrow(2, left, size));
  }
  return images.dim() == 3 ? out.squeeze(0) : out;
}

Tensor random_horizontal_flip(const Tensor& images, double p, AugmentRng& rng) {
  const Tensor batch = as_batch(images, "RandomHorizontalFlip");
  NABLA_CHECK(p >= 0 && p <= 1, "[RandomHorizontalFlip] p must be in [0, 1], got {}", p);
  const int64_t n = batch.size(0), w = batch.size(3);
  std::vector<int64_t> flip(static_cast<size_t>(n));
  {
    std::lock_guard<std::mutex> lock(rng.mutex);
    for (auto& f : flip) f = rng.uniform() < p;
  }
  const Tensor reversed = nabla::arange(w - 1, -1, -1, dtype(kLong));
  const Tensor mirrored = batch.index_select(3, reversed);
  const Tensor chosen = nabla::tensor(flip).ne(0).view({n, 1, 1, 1});
  const Tensor out = nabla::where(chosen, mirrored, batch);
  return images.dim() == 3 ? out.squeeze(0) : out;
}

}  // namespace detail

namespace {
template <class E>
std::vector<Tensor> field(std::vector<E>& examples, Tensor E::*member) {
  NABLA_CHECK(!examples.empty(), "[Stack] a batch needs at least one example");
  std::vector<Tensor> out;
  out.reserve(examples.size());
  for (auto& e : examples) out.push_back(std::move(e.*member));
  return out;
}
}  // namespace

Example<> Stack<Example<>>::apply_batch(std::vector<Example<>> examples) {
  auto data = field(examples, &Example<>::data);
  auto target = field(examples, &Example<>::target);
  return {nabla::stack(data), nabla::stack(target)};
}

TensorExample Stack<TensorExample>::apply_batch(std::vector<TensorExample> examples) {
  return TensorExample(nabla::stack(field(examples, &TensorExample::data)));
}

}  // namespace nabla::data::transforms
