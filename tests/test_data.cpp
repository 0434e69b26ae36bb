// Datasets, DataLoader, random_split, and the IDX reader behind MNIST / Fashion-MNIST.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace fs = std::filesystem;

namespace {

// ---- IDX files written by the test -----------------------------------------------------

class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() /
        ("nabla_test_data_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// An IDX file: magic (0, 0, type, ndim), big-endian dims, then `payload` as is.
std::string idx_bytes(unsigned type, const std::vector<uint32_t>& dims,
                      const std::string& payload) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) put_u32(s, d);
  return s + payload;
}

std::string u8_payload(size_t n, unsigned start = 0) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((start + i * 7) % 256));
  return s;
}

void write_plain(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Expects read_idx(path) to raise an error whose message contains the path and `fragment`.
void expect_idx_error(const std::string& path, const std::string& fragment) {
  try {
    data::read_idx(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
}

std::vector<int64_t> longs(const Tensor& t) {
  Tensor c = t.to(kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

}  // namespace

// ---- read_idx --------------------------------------------------------------------------

TEST(ReadIdx, PlainAndGzipImagesAndLabels) {
  TempDir dir;
  const std::string images = idx_bytes(0x08, {3, 4, 5}, u8_payload(60));
  const std::string labels = idx_bytes(0x08, {3}, u8_payload(3, 1));
  write_plain(dir.file("img"), images);
  write_gz(dir.file("img.gz"), images);
  write_plain(dir.file("lbl"), labels);
  write_gz(dir.file("lbl.gz"), labels);
  for (const char* name : {"img", "img.gz"}) {
    Tensor t = data::read_idx(dir.file(name));
    EXPECT_EQ(t.scalar_type(), kByte);
    EXPECT_EQ(t.sizes(), IntArrayRef({3, 4, 5}));
    const uint8_t* p = t.data_ptr<uint8_t>();
    for (size_t i = 0; i < 60; ++i) ASSERT_EQ(p[i], (i * 7) % 256) << name << " element " << i;
  }
  Tensor l = data::read_idx(dir.file("lbl.gz"));
  EXPECT_EQ(l.sizes(), IntArrayRef({3}));
  EXPECT_EQ(longs(l), (std::vector<int64_t>{1, 8, 15}));
  EXPECT_TRUE(l.equal(data::read_idx(dir.file("lbl"))));
}

TEST(ReadIdx, BigEndianWiderTypes) {
  TempDir dir;
  std::string ints;
  for (uint32_t v : {1u, 0xFFFFFFFEu, 256u}) put_u32(ints, v);  // 1, -2, 256
  write_plain(dir.file("ints"), idx_bytes(0x0C, {3}, ints));
  EXPECT_EQ(longs(data::read_idx(dir.file("ints"))), (std::vector<int64_t>{1, -2, 256}));
  std::string floats;
  put_u32(floats, 0x3FC00000u);  // 1.5f
  put_u32(floats, 0xC0200000u);  // -2.5f
  write_gz(dir.file("floats.gz"), idx_bytes(0x0D, {1, 2}, floats));
  Tensor f = data::read_idx(dir.file("floats.gz"));
  EXPECT_EQ(f.scalar_type(), kFloat);
  EXPECT_EQ(f.sizes(), IntArrayRef({1, 2}));
  EXPECT_FLOAT_EQ(f.data_ptr<float>()[0], 1.5f);
  EXPECT_FLOAT_EQ(f.data_ptr<float>()[1], -2.5f);
  // Zero examples are fine.
  write_plain(dir.file("empty"), idx_bytes(0x08, {0, 28, 28}, ""));
  EXPECT_EQ(data::read_idx(dir.file("empty")).sizes(), IntArrayRef({0, 28, 28}));
}

TEST(ReadIdx, Errors) {
  TempDir dir;
  expect_idx_error(dir.file("missing-file"), "cannot open");

  write_plain(dir.file("bad_magic"), std::string("\x12\x34\x08\x01", 4) + std::string(8, '\0'));
  expect_idx_error(dir.file("bad_magic"), "magic");

  write_plain(dir.file("bad_type"), idx_bytes(0x0B, {2}, "abcd"));
  expect_idx_error(dir.file("bad_type"), "0x0b");

  write_plain(dir.file("short_magic"), std::string("\0\0", 2));
  expect_idx_error(dir.file("short_magic"), "truncated");

  const std::string full = idx_bytes(0x08, {10, 28, 28}, u8_payload(7840));
  write_plain(dir.file("short_dims"), full.substr(0, 10));
  expect_idx_error(dir.file("short_dims"), "dimension sizes");

  write_plain(dir.file("short_data"), full.substr(0, full.size() - 1));
  expect_idx_error(dir.file("short_data"), "truncated");

  write_plain(dir.file("trailing"), full + "x");
  expect_idx_error(dir.file("trailing"), "data after");

  // A gzip stream cut in half: zlib reports it, or the data comes up short.
  write_gz(dir.file("whole.gz"), full);
  const std::string gz = read_all(dir.file("whole.gz"));
  write_plain(dir.file("cut.gz"), gz.substr(0, gz.size() / 2));
  expect_idx_error(dir.file("cut.gz"), "");
  // Corrupt compressed bytes.
  std::string corrupt = gz;
  for (size_t i = 20; i < corrupt.size() - 8; i += 3) corrupt[i] = static_cast<char>(~corrupt[i]);
  write_plain(dir.file("corrupt.gz"), corrupt);
  expect_idx_error(dir.file("corrupt.gz"), "");

  // A huge declared size with no data behind it fails without allocating it.
  write_plain(dir.file("huge"), idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFu}, ""));
  expect_idx_error(dir.file("huge"), "impossible size");
  write_plain(dir.file("large"), idx_bytes(0x08, {60000000u, 28, 28}, "abc"));
  expect_idx_error(dir.file("large"), "truncated");
}

// ---- MNIST / FashionMNIST ---------------------------------------------------------------

namespace {
void write_mnist_files(const TempDir& dir, const std::string& prefix, uint32_t n_images,
                       uint32_t n_labels, unsigned max_label = 9, bool gz = true) {
  std::string labels;
  for (uint32_t i = 0; i < n_labels; ++i) labels.push_back(static_cast<char>(i % (max_label + 1)));
  const auto img = idx_bytes(0x08, {n_images, 28, 28}, u8_payload(size_t{n_images} * 784));
  const auto lbl = idx_bytes(0x08, {n_labels}, labels);
  if (gz) {
    write_gz(dir.file(prefix + "-images-idx3-ubyte.gz"), img);
    write_gz(dir.file(prefix + "-labels-idx1-ubyte.gz"), lbl);
  } else {
    write_plain(dir.file(prefix + "-images-idx3-ubyte"), img);
    write_plain(dir.file(prefix + "-labels-idx1-ubyte"), lbl);
  }
}
}  // namespace

TEST(MNIST, LoadsScaledImagesAndLabels) {
  TempDir dir;
  write_mnist_files(dir, "train", 12, 12, 9, /*gz=*/true);
  write_mnist_files(dir, "t10k", 5, 5, 9, /*gz=*/false);
  data::datasets::MNIST train(dir.str());
  EXPECT_TRUE(train.is_train());
  EXPECT_EQ(train.size(), 12u);
  data::Example<> ex = train.get(11);
  EXPECT_EQ(ex.data.scalar_type(), kFloat);
  EXPECT_EQ(ex.data.sizes(), IntArrayRef({1, 28, 28}));
  EXPECT_EQ(ex.target.scalar_type(), kLong);
  EXPECT_EQ(ex.target.item<int64_t>(), 1);  // label i is i % 10
  const float* px = train.images().data_ptr<float>();
  EXPECT_FLOAT_EQ(px[1], 7.0f / 255.0f);

  data::datasets::FashionMNIST test(dir.str(), /*train=*/false);
  EXPECT_FALSE(test.is_train());
  EXPECT_EQ(test.size(), 5u);
  EXPECT_EQ(longs(test.targets()), (std::vector<int64_t>{0, 1, 2, 3, 4}));

  data::datasets::MNIST normalized(dir.str(), data::datasets::MNIST::Mode::kTest);
  normalized.normalize(0.5, 0.25);
  EXPECT_FLOAT_EQ(normalized.images().data_ptr<float>()[1], (7.0f / 255.0f - 0.5f) / 0.25f);
}

TEST(MNIST, Errors) {
  TempDir dir;
  try {
    data::datasets::FashionMNIST missing(dir.str());
    ADD_FAILURE() << "no error for a directory without files";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("train-images-idx3-ubyte")), std::string::npos)
        << e.what();
  }
  write_mnist_files(dir, "train", 6, 5);
  try {
    data::datasets::MNIST mismatch(dir.str());
    ADD_FAILURE() << "no error for 6 images and 5 labels";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("6 images"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train-labels-idx1-ubyte"), std::string::npos);
  }
  write_mnist_files(dir, "t10k", 12, 12, /*max_label=*/11);
  EXPECT_THROW(data::datasets::MNIST(dir.str(), false), Error);  // label 10 and 11
}

TEST(MNIST, RealFashionMNISTTestSet) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(root + "/t10k-images-idx3-ubyte.gz") &&
      !fs::exists(root + "/t10k-images-idx3-ubyte")) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  }
  data::datasets::FashionMNIST test(root, /*train=*/false);
  ASSERT_EQ(test.size(), 10000u);
  EXPECT_EQ(test.images().sizes(), IntArrayRef({10000, 1, 28, 28}));
  std::vector<int64_t> counts(10);
  for (int64_t label : longs(test.targets())) {
    ASSERT_GE(label, 0);
    ASSERT_LE(label, 9);
    ++counts[static_cast<size_t>(label)];
  }
  for (int64_t c : counts) EXPECT_EQ(c, 1000);       // the test set is balanced
  EXPECT_EQ(test.get(0).target.item<int64_t>(), 9);  // an ankle boot
  const float* px = test.images().data_ptr<float>();
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < test.images().numel(); ++i) {
    lo = std::min(lo, px[i]);
    hi = std::max(hi, px[i]);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

// ---- datasets and the DataLoader --------------------------------------------------------

namespace {

// Example i: data [2] filled with i (float64), target i * i (int64). Counts get() calls, and
// throws for `bad_index`.
class SquaresDataset : public data::Dataset {
 public:
  explicit SquaresDataset(size_t n, size_t bad_index = SIZE_MAX) : n_(n), bad_(bad_index) {}
  data::Example<> get(size_t i) override {
    check_index(i);
    ++*calls_;
    return {nabla::full({2}, static_cast<double>(i), TensorOptions(kDouble)),
            nabla::full({}, static_cast<int64_t>(i * i), TensorOptions(kLong))};
  }
  size_t size() const override { return n_; }
  int64_t calls() const { return *calls_; }

 private:
  void check_index(size_t i) const {
    if (i == bad_) throw Error("[SquaresDataset] example " + std::to_string(i) + " is broken");
  }
  size_t n_, bad_;
  std::shared_ptr<std::atomic<int64_t>> calls_ = std::make_shared<std::atomic<int64_t>>(0);
};

// The dataset indices a loader visits in one epoch, batch by batch (data column 0 is i).
std::vector<std::vector<int64_t>> epoch_indices(data::DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& batch : loader) out.push_back(longs(batch.data.select(1, 0)));
  return out;
}

data::TensorDataset arange_dataset(int64_t n) {
  Tensor x = nabla::arange(n, TensorOptions(kDouble)).unsqueeze(1).expand({n, 2}).contiguous();
  return data::TensorDataset(x, nabla::arange(n) * nabla::arange(n));
}

std::vector<int64_t> flatten(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST(TensorDataset, GetAndErrors) {
  data::TensorDataset ds = arange_dataset(5);
  EXPECT_EQ(ds.size(), 5u);
  data::Example<> ex = ds.get(3);
  EXPECT_EQ(ex.data.sizes(), IntArrayRef({2}));
  EXPECT_EQ(ex.target.item<int64_t>(), 9);
  EXPECT_THROW(ds.get(5), Error);
  EXPECT_THROW(data::TensorDataset(nabla::zeros({3, 2}), nabla::zeros({4})), Error);
  data::TensorDataset no_target(nabla::zeros({3, 2}));
  EXPECT_FALSE(no_target.get(0).target.defined());
}

TEST(DataLoader, BatchSizesAndDropLast) {
  for (bool tensor_dataset : {true, false}) {
    std::shared_ptr<data::Dataset> ds;
    if (tensor_dataset) {
      ds = std::make_shared<data::TensorDataset>(arange_dataset(10));
    } else {
      ds = std::make_shared<SquaresDataset>(10);
    }
    data::DataLoader loader(ds, data::DataLoaderOptions(4));
    EXPECT_EQ(loader.size(), 3u);
    std::vector<int64_t> sizes;
    for (auto& batch : loader) {
      sizes.push_back(batch.data.size(0));
      EXPECT_EQ(batch.data.sizes()[1], 2);
      EXPECT_EQ(batch.target.sizes(), IntArrayRef({batch.data.size(0)}));
    }
    EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
    EXPECT_EQ(epoch_indices(loader),
              (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));

    data::DataLoader dropping(ds, data::DataLoaderOptions(4).drop_last(true));
    EXPECT_EQ(dropping.size(), 2u);
    EXPECT_EQ(epoch_indices(dropping),
              (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  }
  // Targets are collated too: i * i.
  data::DataLoader loader(arange_dataset(5), data::DataLoaderOptions(5));
  for (auto& batch : loader) EXPECT_EQ(longs(batch.target), (std::vector<int64_t>{0, 1, 4, 9, 16}));
  EXPECT_THROW(data::DataLoader(arange_dataset(5), data::DataLoaderOptions(0)), Error);
  EXPECT_THROW(data::DataLoader(arange_dataset(5), data::DataLoaderOptions(2).num_workers(-1)),
               Error);
}

TEST(DataLoader, EmptyDataset) {
  data::DataLoader loader(SquaresDataset(0), data::DataLoaderOptions(4).num_workers(2));
  EXPECT_EQ(loader.size(), 0u);
  EXPECT_TRUE(epoch_indices(loader).empty());
}

TEST(DataLoader, ShufflingIsSeededPerEpoch) {
  auto ds = std::make_shared<data::TensorDataset>(arange_dataset(50));
  auto opts = data::DataLoaderOptions(8).shuffle(true).seed(123);
  data::DataLoader a(ds, opts), b(ds, opts);
  const auto a0 = epoch_indices(a), a1 = epoch_indices(a);
  EXPECT_EQ(a0, epoch_indices(b));  // same seed, same epoch: same order
  EXPECT_EQ(a1, epoch_indices(b));
  EXPECT_NE(a0, a1);  // a new order each epoch
  for (const auto& epoch : {a0, a1}) {
    std::vector<int64_t> all = flatten(epoch);
    std::sort(all.begin(), all.end());
    std::vector<int64_t> want(50);
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(all, want);  // every index exactly once
  }
  // Epoch e uses seed + e, whatever the global generator does.
  nabla::manual_seed(7);
  data::DataLoader c(ds, data::DataLoaderOptions(8).shuffle(true).seed(124));
  EXPECT_EQ(epoch_indices(c), a1);
  data::DataLoader d(ds, opts);
  d.set_epoch(1);
  EXPECT_EQ(epoch_indices(d), a1);
  EXPECT_EQ(d.epoch(), 2);
  std::vector<size_t> perm = data::permutation(50, 124);
  EXPECT_EQ(flatten(a1), std::vector<int64_t>(perm.begin(), perm.end()));
  data::DataLoader other(ds, data::DataLoaderOptions(8).shuffle(true).seed(999));
  EXPECT_NE(epoch_indices(other), a0);
}

TEST(DataLoader, WorkersGiveTheSameBatches) {
  for (bool tensor_dataset : {true, false}) {
    std::shared_ptr<data::Dataset> ds;
    if (tensor_dataset) {
      ds = std::make_shared<data::TensorDataset>(arange_dataset(103));
    } else {
      ds = std::make_shared<SquaresDataset>(103);
    }
    auto opts = data::DataLoaderOptions(7).shuffle(true).seed(5);
    data::DataLoader serial(ds, opts);
    std::vector<data::Batch> want;
    for (auto& batch : serial) want.push_back(batch);
    for (int64_t workers : {1, 3, 8}) {
      data::DataLoader parallel(ds, data::DataLoaderOptions(opts).num_workers(workers));
      size_t i = 0;
      for (auto& batch : parallel) {
        ASSERT_LT(i, want.size());
        EXPECT_TRUE(batch.data.equal(want[i].data)) << workers << " workers, batch " << i;
        EXPECT_TRUE(batch.target.equal(want[i].target)) << workers << " workers, batch " << i;
        ++i;
      }
      EXPECT_EQ(i, want.size());
    }
  }
}

TEST(DataLoader, EarlyBreakAndLoaderDestructionDoNotHang) {
  auto ds = std::make_shared<SquaresDataset>(1000);
  {
    data::DataLoader loader(ds, data::DataLoaderOptions(4).num_workers(4).prefetch_factor(2));
    int seen = 0;
    for (auto& batch : loader) {
      EXPECT_EQ(batch.data.size(0), 4);
      if (++seen == 2) break;
    }
    // Workers stop after a bounded look-ahead: at most 2 consumed + 4 * 2 prefetched batches.
    EXPECT_LE(ds->calls(), 4 * (2 + 4 * 2 + 1));
    // A second epoch on the same loader after the break works.
    seen = 0;
    for (auto& batch : loader) {
      (void)batch;
      ++seen;
    }
    EXPECT_EQ(seen, 250);
  }
  // The iterator keeps what it needs alive after the loader is gone.
  data::DataLoader::Iterator it;
  {
    data::DataLoader loader(ds, data::DataLoaderOptions(100).num_workers(2));
    it = loader.begin();
  }
  int batches = 0;
  for (; it != data::DataLoader::Iterator(); ++it) ++batches;
  EXPECT_EQ(batches, 10);
  // Abandoned mid-epoch with workers blocked on a full queue: destruction joins them.
  {
    data::DataLoader loader(ds, data::DataLoaderOptions(1).num_workers(3));
    auto begin = loader.begin();
    EXPECT_EQ(begin->data.size(0), 1);
  }
}

TEST(DataLoader, WorkerExceptionsReachTheLoop) {
  for (int64_t workers : {0, 2}) {
    data::DataLoader loader(SquaresDataset(20, /*bad_index=*/9),
                            data::DataLoaderOptions(4).num_workers(workers));
    int batches = 0;
    try {
      for (auto& batch : loader) {
        (void)batch;
        ++batches;
      }
      ADD_FAILURE() << "no exception with " << workers << " workers";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("example 9 is broken"), std::string::npos);
    }
    EXPECT_EQ(batches, 2) << workers << " workers";  // batches 0-3 and 4-7 came through
  }
}

TEST(DataLoader, CollateHookForVariableSizes) {
  // Example i has i + 1 values; the hook pads them to the longest in the batch.
  class Ragged : public data::Dataset {
   public:
    data::Example<> get(size_t i) override {
      return {nabla::ones({static_cast<int64_t>(i) + 1}), Tensor()};
    }
    size_t size() const override { return 5; }
  };
  auto pad = [](std::vector<data::Example<>> examples) {
    int64_t longest = 0;
    for (const auto& e : examples) longest = std::max(longest, e.data.size(0));
    Tensor out = nabla::zeros({static_cast<int64_t>(examples.size()), longest});
    Tensor lengths = nabla::empty({static_cast<int64_t>(examples.size())}, TensorOptions(kLong));
    for (size_t i = 0; i < examples.size(); ++i) {
      const int64_t n = examples[i].data.size(0);
      out.select(0, static_cast<int64_t>(i)).narrow(0, 0, n).copy_(examples[i].data);
      lengths.data_ptr<int64_t>()[i] = n;
    }
    return data::Batch{out, lengths};
  };
  EXPECT_THROW(
      {
        data::DataLoader plain(Ragged(), data::DataLoaderOptions(2));
        for (auto& b : plain) (void)b;
      },
      Error);  // stack needs equal sizes
  for (int64_t workers : {0, 2}) {
    data::DataLoader loader(Ragged(), data::DataLoaderOptions(2).num_workers(workers), pad);
    std::vector<std::vector<int64_t>> lengths;
    std::vector<int64_t> widths;
    for (auto& batch : loader) {
      lengths.push_back(longs(batch.target));
      widths.push_back(batch.data.size(1));
    }
    EXPECT_EQ(lengths, (std::vector<std::vector<int64_t>>{{1, 2}, {3, 4}, {5}}));
    EXPECT_EQ(widths, (std::vector<int64_t>{2, 4, 5}));
  }
}

TEST(DataLoader, DefaultCollate) {
  data::Batch b = data::default_collate(
      {{nabla::zeros({3}), nabla::full({}, 1)}, {nabla::ones({3}), nabla::full({}, 2)}});
  EXPECT_EQ(b.data.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(longs(b.target), (std::vector<int64_t>{1, 2}));
  EXPECT_THROW(data::default_collate(
                   {{nabla::zeros({3}), nabla::full({}, 1)}, {nabla::ones({3}), Tensor()}}),
               Error);
  EXPECT_THROW(data::default_collate({}), Error);
}

TEST(RandomSplit, DisjointCoveringAndSeeded) {
  auto ds = std::make_shared<data::TensorDataset>(arange_dataset(10));
  auto parts = data::random_split(ds, {6, 4}, /*seed=*/3);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 6u);
  EXPECT_EQ(parts[1].size(), 4u);
  std::set<size_t> all;
  for (const auto& part : parts)
    for (size_t i : part.indices()) EXPECT_TRUE(all.insert(i).second) << "index " << i << " twice";
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(data::random_split(ds, {6, 4}, 3)[0].indices(), parts[0].indices());
  EXPECT_NE(data::random_split(ds, {6, 4}, 4)[0].indices(), parts[0].indices());
  // Subset examples are the dataset's, through the stacked path and the per-example one.
  data::Subset& first = parts[0];
  EXPECT_EQ(first.get(2).target.item<int64_t>(),
            static_cast<int64_t>(first.indices()[2] * first.indices()[2]));
  data::DataLoader loader(first, data::DataLoaderOptions(6));
  for (auto& batch : loader) {
    EXPECT_EQ(longs(batch.data.select(1, 0)),
              std::vector<int64_t>(first.indices().begin(), first.indices().end()));
  }
  EXPECT_THROW(data::random_split(ds, {6, 5}), Error);
  EXPECT_THROW(data::random_split(ds, {11, -1}), Error);
  auto by_value = data::random_split(arange_dataset(4), {2, 2});
  EXPECT_EQ(by_value[1].size(), 2u);
}
