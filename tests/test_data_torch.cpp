// LibTorch's data API on nabla (nabla/data/datasets/base.h, transforms.h, samplers.h,
// stateless_dataloader.h): users' datasets, map pipelines, samplers and make_data_loader.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>

namespace {

namespace data = nabla::data;
using nabla::Tensor;

// Example i: data [2] = {i, -i}, target i % 3.
struct Counting : data::datasets::Dataset<Counting> {
  explicit Counting(size_t n) : n(n) {}
  data::Example<> get(size_t i) override {
    ++*calls;
    const double v = static_cast<double>(i);
    return {nabla::tensor({v, -v}), nabla::tensor(static_cast<int64_t>(i % 3))};
  }
  std::optional<size_t> size() const override { return n; }
  size_t n;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
};

std::vector<int64_t> firsts(const Tensor& data) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < data.size(0); ++i) out.push_back(data[i][0].item<int64_t>());
  return out;
}

TEST(TorchData, SequentialLoaderStacksBatchesInOrder) {
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      Counting(10).map(data::transforms::Stack<>()), 4);
  std::vector<std::vector<int64_t>> seen;
  for (auto& batch : *loader) {
    EXPECT_EQ(batch.data.size(1), 2);
    EXPECT_EQ(batch.target.scalar_type(), nabla::kLong);
    seen.push_back(firsts(batch.data));
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(seen[2], (std::vector<int64_t>{8, 9}));
  // A second range-for is a second epoch.
  size_t batches = 0;
  for (auto& batch : *loader) batches += batch.data.size(0) > 0;
  EXPECT_EQ(batches, 3u);
}

TEST(TorchData, DropLastAndWorkersKeepTheOrder) {
  auto options = data::DataLoaderOptions().batch_size(3).drop_last(true).workers(3);
  EXPECT_EQ(options.workers(), 3u);
  EXPECT_EQ(options.num_workers(), 3);
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      Counting(11).map(data::transforms::Stack<>()), options);
  std::vector<int64_t> all;
  for (auto& batch : *loader) {
    EXPECT_EQ(batch.data.size(0), 3);
    auto f = firsts(batch.data);
    all.insert(all.end(), f.begin(), f.end());
  }
  std::vector<int64_t> expected(9);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

TEST(TorchData, RandomSamplerFollowsTheGlobalSeed) {
  auto order = [] {
    nabla::manual_seed(7);
    auto loader = data::make_data_loader(Counting(9).map(data::transforms::Stack<>()), 9);
    std::vector<int64_t> o;
    for (auto& batch : *loader) o = firsts(batch.data);
    return o;
  };
  auto a = order(), b = order();
  EXPECT_EQ(a, b);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(TorchData, SamplersHandOutEveryIndexOnce) {
  data::samplers::SequentialSampler seq(5);
  EXPECT_EQ(*seq.next(3), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(*seq.next(3), (std::vector<size_t>{3, 4}));
  EXPECT_FALSE(seq.next(3).has_value());
  seq.reset(2);
  EXPECT_EQ(*seq.next(5), (std::vector<size_t>{0, 1}));
  data::samplers::RandomSampler rnd(6);
  std::vector<size_t> got;
  while (auto ix = rnd.next(4)) got.insert(got.end(), ix->begin(), ix->end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(rnd.next(0), nabla::Error);
}

TEST(TorchData, TransformsNormalizeAndLambda) {
  auto t = nabla::arange(8, nabla::dtype(nabla::kFloat)).view({2, 2, 2});
  data::transforms::Normalize<> per_channel({1.0, 2.0}, {2.0, 4.0});
  auto n = per_channel(t);
  EXPECT_TRUE(n[0].equal((t[0] - 1) / 2));
  EXPECT_TRUE(n[1].equal((t[1] - 2) / 4));
  auto doubled = data::transforms::Lambda<data::Example<>>([](data::Example<> e) {
    e.data = e.data * 2;
    return e;
  });
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      Counting(4)
          .map(doubled)
          .map(data::transforms::Normalize<>(1.0, 2.0))
          .map(data::transforms::Stack<>()),
      4);
  for (auto& batch : *loader) {
    // (2 * i - 1) / 2 for the first column; the [1, 1, 1] mean broadcasts [2] to [1, 1, 2]
    EXPECT_EQ(batch.data.sizes(), (std::vector<int64_t>{4, 1, 1, 2}));
    EXPECT_TRUE(
        batch.data.reshape({4, 2}).select(1, 0).equal(nabla::tensor({-0.5f, 0.5f, 1.5f, 2.5f})));
  }
}

// Every output image of RandomCrop is some window of its zero-padded input: found by search.
bool is_window_of(const Tensor& crop, const Tensor& padded) {
  const int64_t size = crop.size(-1);
  for (int64_t top = 0; top + size <= padded.size(-2); ++top)
    for (int64_t left = 0; left + size <= padded.size(-1); ++left)
      if (padded.narrow(-2, top, size).narrow(-1, left, size).equal(crop)) return true;
  return false;
}

TEST(TorchData, RandomCropTakesSeededWindowsOfThePaddedImage) {
  // 16 distinct 1x5x5 images with distinct values, so every window is recognizable.
  auto images = (nabla::arange(16 * 25, nabla::dtype(nabla::kFloat)) + 1).view({16, 1, 5, 5});
  data::transforms::RandomCrop<> crop(5, 2, /*seed=*/7);
  Tensor out = crop(images);
  ASSERT_EQ(out.sizes(), images.sizes());
  auto padded = nabla::constant_pad_nd(images, {2, 2, 2, 2});
  std::set<double> tops;
  for (int64_t i = 0; i < 16; ++i) {
    EXPECT_TRUE(is_window_of(out[i], padded[i])) << "image " << i;
    tops.insert(out[i].sum().item<double>());
  }
  EXPECT_GT(tops.size(), 4u);  // windows differ between images
  // Same seed, same windows; another seed, other windows; one image [C, H, W] works too.
  EXPECT_TRUE(data::transforms::RandomCrop<>(5, 2, 7)(images).equal(out));
  EXPECT_FALSE(data::transforms::RandomCrop<>(5, 2, 8)(images).equal(out));
  EXPECT_EQ(crop(images[0]).sizes(), (std::vector<int64_t>{1, 5, 5}));
  EXPECT_TRUE(data::transforms::RandomCrop<>(3, 0, 1)(images).sizes() ==
              (std::vector<int64_t>{16, 1, 3, 3}));
}

TEST(TorchData, RandomHorizontalFlipMirrorsAboutHalfTheImages) {
  auto images = nabla::randn({200, 2, 3, 4});
  data::transforms::RandomHorizontalFlip<> flip(0.5, /*seed=*/3);
  Tensor out = flip(images);
  auto mirrored = images.index_select(3, nabla::tensor(std::vector<int64_t>{3, 2, 1, 0}));
  int flipped = 0;
  for (int64_t i = 0; i < 200; ++i) {
    const bool same = out[i].equal(images[i]), mirror = out[i].equal(mirrored[i]);
    EXPECT_TRUE(same != mirror) << "image " << i;
    flipped += mirror;
  }
  EXPECT_GT(flipped, 70);
  EXPECT_LT(flipped, 130);
  EXPECT_TRUE(data::transforms::RandomHorizontalFlip<>(0.5, 3)(images).equal(out));
  EXPECT_TRUE(data::transforms::RandomHorizontalFlip<>(0.0)(images).equal(images));
  EXPECT_TRUE(data::transforms::RandomHorizontalFlip<>(1.0)(images).equal(mirrored));
}

TEST(TorchData, AugmentationRejectsBadShapesAndOptions) {
  auto expect_error = [](auto&& f, const std::string& fragment) {
    try {
      f();
      ADD_FAILURE() << "no error; expected one mentioning " << fragment;
    } catch (const nabla::Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  auto images = nabla::zeros({2, 1, 4, 4});
  expect_error([&] { data::transforms::RandomCrop<>(7, 1)(images); }, "[RandomCrop]");
  expect_error([&] { data::transforms::RandomCrop<>(2, 0)(nabla::zeros({4, 4})); }, "[4, 4]");
  expect_error([&] { data::transforms::RandomCrop<>(0, 0)(images); }, "size must be positive");
  expect_error([&] { data::transforms::RandomHorizontalFlip<>(1.5)(images); }, "[0, 1]");
  expect_error([&] { data::transforms::RandomHorizontalFlip<>()(nabla::zeros({3})); },
               "[RandomHorizontalFlip]");
}

TEST(TorchData, UnstackedBatchesAreVectorsOfExamples) {
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(Counting(5), 2);
  size_t examples = 0;
  for (std::vector<data::Example<>>& batch : *loader) examples += batch.size();
  EXPECT_EQ(examples, 5u);
}

TEST(TorchData, NablaDatasetsAreSourcesToo) {
  data::TensorDataset ds(nabla::arange(6).view({6, 1}), nabla::arange(6));
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      ds.map(data::transforms::Stack<>()), data::DataLoaderOptions(4));
  std::vector<int64_t> sizes;
  for (auto& batch : *loader) sizes.push_back(batch.target.size(0));
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(ds.map(data::transforms::Stack<>()).size().value(), 6u);
}

TEST(TorchData, ZeroBatchSizeIsAnError) {
  EXPECT_THROW(data::make_data_loader(Counting(3), data::DataLoaderOptions(0)), nabla::Error);
}

struct Throwing : data::datasets::Dataset<Throwing> {
  data::Example<> get(size_t i) override {
    if (i == 5) throw nabla::Error("[Throwing] example 5 is broken");
    return {nabla::zeros({1}), nabla::zeros({})};
  }
  std::optional<size_t> size() const override { return 8; }
};

TEST(TorchData, AWorkersErrorReachesTheLoop) {
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      Throwing().map(data::transforms::Stack<>()), data::DataLoaderOptions(2).workers(2));
  EXPECT_THROW(
      {
        for (auto& batch : *loader) (void)batch;
      },
      nabla::Error);
}

}  // namespace
