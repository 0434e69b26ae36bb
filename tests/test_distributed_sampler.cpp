// DistributedRandomSampler / DistributedSequentialSampler: disjoint shards that cover the
// dataset, a new order each epoch (the same on every rank), and use with the DataLoader.
// No MPI needed: the ranks are simulated by building one sampler per rank.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <type_traits>
#include <vector>

#include "nabla/data/samplers/distributed.h"
#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
using nabla::data::samplers::DistributedRandomSampler;
using nabla::data::samplers::DistributedSequentialSampler;

// LibTorch's hierarchy: Sampler<> <- DistributedSampler<> <- the two samplers.
static_assert(std::is_base_of_v<data::samplers::Sampler<>, DistributedRandomSampler>);
static_assert(std::is_base_of_v<data::samplers::DistributedSampler<>, DistributedRandomSampler>);
static_assert(
    std::is_base_of_v<data::samplers::DistributedSampler<>, DistributedSequentialSampler>);

namespace {

template <class S>
std::vector<size_t> drain(S& sampler, size_t batch) {
  std::vector<size_t> all;
  while (auto b = sampler.next(batch)) {
    EXPECT_LE(b->size(), batch);
    EXPECT_FALSE(b->empty());
    all.insert(all.end(), b->begin(), b->end());
  }
  return all;
}

template <class S>
std::vector<std::vector<size_t>> shards(size_t size, size_t world, bool dup, size_t epoch) {
  std::vector<std::vector<size_t>> out;
  for (size_t r = 0; r < world; ++r) {
    S s(size, world, r, dup);
    s.set_epoch(epoch);
    s.reset();
    out.push_back(drain(s, 3));
    EXPECT_EQ(out.back(), s.indices());
  }
  return out;
}

TEST(DistributedSampler, ShardsAreDisjointAndCoverTheDataset) {
  for (size_t size : {0, 1, 10, 11, 13}) {
    for (size_t world : {1, 2, 3, 4}) {
      for (size_t epoch : {0, 1}) {
        auto r = shards<DistributedRandomSampler>(size, world, false, epoch);
        auto q = shards<DistributedSequentialSampler>(size, world, false, epoch);
        for (auto* sh : {&r, &q}) {
          std::set<size_t> seen;
          for (auto& s : *sh) {
            EXPECT_EQ(s.size(), size / world);
            for (size_t i : s) {
              EXPECT_LT(i, size);
              EXPECT_TRUE(seen.insert(i).second) << "index " << i << " in two shards";
            }
          }
          EXPECT_EQ(seen.size(), size / world * world);
        }
      }
    }
  }
}

TEST(DistributedSampler, AllowDuplicatesPadsEveryShardToTheSameLength) {
  auto r = shards<DistributedRandomSampler>(11, 4, true, 0);
  std::set<size_t> seen;
  for (auto& s : r) {
    EXPECT_EQ(s.size(), 3u);  // ceil(11 / 4)
    seen.insert(s.begin(), s.end());
  }
  EXPECT_EQ(seen.size(), 11u);  // every index, one of them twice
}

TEST(DistributedSampler, SequentialTakesContiguousBlocks) {
  auto q = shards<DistributedSequentialSampler>(10, 2, false, 0);
  EXPECT_EQ(q[0], (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(q[1], (std::vector<size_t>{5, 6, 7, 8, 9}));
}

TEST(DistributedSampler, OrderIsSeededByEpoch) {
  auto e0 = shards<DistributedRandomSampler>(50, 2, false, 0);
  auto e0_again = shards<DistributedRandomSampler>(50, 2, false, 0);
  auto e1 = shards<DistributedRandomSampler>(50, 2, false, 1);
  EXPECT_EQ(e0, e0_again);
  EXPECT_NE(e0, e1);
  // Rank 0's shard of epoch e is the first half of permutation(50, e).
  std::vector<size_t> perm = data::permutation(50, 1);
  EXPECT_EQ(e1[0], std::vector<size_t>(perm.begin(), perm.begin() + 25));
}

TEST(DistributedSampler, ResetStartsOverAndTakesANewSize) {
  DistributedRandomSampler s(20, 2, 1, false);
  auto first = s.next(4);
  ASSERT_TRUE(first);
  EXPECT_EQ(s.index(), 4u);
  s.reset();
  EXPECT_EQ(s.index(), 0u);
  EXPECT_EQ(*s.next(4), *first);
  s.reset(8);
  EXPECT_EQ(drain(s, 100).size(), 4u);
}

TEST(DistributedSampler, BadArgumentsAreErrors) {
  EXPECT_THROW(DistributedRandomSampler(10, 0, 0), Error);
  EXPECT_THROW(DistributedSequentialSampler(10, 2, 2), Error);
  DistributedRandomSampler s(10, 2, 0);
  EXPECT_THROW(s.next(0), Error);
}

TEST(DistributedSampler, WithTheDataLoader) {
  Tensor x = arange(12).view({12, 1});
  auto dataset = std::make_shared<data::TensorDataset>(x, x.view({12}));
  std::set<int64_t> seen;
  for (size_t rank = 0; rank < 3; ++rank) {
    DistributedRandomSampler sampler(dataset->size(), 3, rank, false);
    sampler.set_epoch(2);
    sampler.reset();
    data::DataLoader loader(data::Subset(dataset, sampler.indices()), data::DataLoaderOptions(2));
    std::vector<size_t> got;
    for (auto& batch : loader)
      for (int64_t i = 0; i < batch.target.size(0); ++i)
        got.push_back(static_cast<size_t>(batch.target[i].item<int64_t>()));
    EXPECT_EQ(got, sampler.indices());
    seen.insert(got.begin(), got.end());
  }
  EXPECT_EQ(seen.size(), 12u);
}

// The targets of every batch a loader gives, in order.
std::vector<size_t> targets_of(data::DataLoader& loader) {
  std::vector<size_t> got;
  for (auto& batch : loader)
    for (int64_t i = 0; i < batch.target.size(0); ++i)
      got.push_back(static_cast<size_t>(batch.target[i].item<int64_t>()));
  return got;
}

TEST(DistributedSampler, AsTheSamplerOfNablasDataLoader) {
  Tensor x = arange(11).view({11, 1});
  auto dataset = std::make_shared<data::TensorDataset>(x, x.view({11}));
  for (size_t epoch = 0; epoch < 2; ++epoch) {
    std::set<size_t> seen;
    std::vector<size_t> rank0;
    for (size_t rank = 0; rank < 2; ++rank) {
      auto sampler = std::make_shared<DistributedRandomSampler>(dataset->size(), 2, rank, false);
      data::DataLoader loader(dataset, sampler, data::DataLoaderOptions(2));
      sampler->set_epoch(epoch);
      EXPECT_EQ(loader.size(), 3u);  // 5 indices per rank in batches of 2
      std::vector<size_t> got = targets_of(loader);
      EXPECT_EQ(got, sampler->indices());
      EXPECT_EQ(got, shards<DistributedRandomSampler>(11, 2, false, epoch)[rank]);
      if (rank == 0) rank0 = got;
      seen.insert(got.begin(), got.end());
    }
    EXPECT_EQ(seen.size(), 10u);  // disjoint shards, one index of 11 dropped
  }
  // A new epoch set on the shared sampler reaches the loader, drop_last drops the short batch.
  auto sampler = std::make_shared<DistributedRandomSampler>(dataset->size(), 2, 1, false);
  data::DataLoader loader(*dataset, sampler, data::DataLoaderOptions(2).drop_last(true));
  sampler->set_epoch(0);
  std::vector<size_t> epoch0 = targets_of(loader);
  sampler->set_epoch(1);
  std::vector<size_t> epoch1 = targets_of(loader);
  EXPECT_EQ(epoch0.size(), 4u);
  EXPECT_EQ(loader.size(), 2u);
  EXPECT_NE(epoch0, epoch1);
}

TEST(DistributedSampler, WithTheDataLoaderBadArgumentsAreErrors) {
  Tensor x = arange(4).view({4, 1});
  auto dataset = std::make_shared<data::TensorDataset>(x, x.view({4}));
  auto sampler = std::make_shared<DistributedSequentialSampler>(4, 2, 0);
  EXPECT_THROW(data::DataLoader(dataset, sampler, data::DataLoaderOptions(2).shuffle(true)), Error);
  EXPECT_THROW(data::DataLoader(dataset, std::shared_ptr<data::samplers::Sampler<>>(),
                                data::DataLoaderOptions(2)),
               Error);
  // A sampler that gives an index past the end: an error, not a read out of bounds.
  struct Fixed : data::samplers::Sampler<> {
    void reset(std::optional<size_t>) override { done = false; }
    std::optional<std::vector<size_t>> next(size_t) override {
      if (done) return std::nullopt;
      done = true;
      return std::vector<size_t>{0, 7};
    }
    bool done = false;
  };
  data::DataLoader loader(dataset, std::make_shared<Fixed>(), data::DataLoaderOptions(2));
  EXPECT_THROW(loader.begin(), Error);
}

TEST(DistributedSampler, WithMakeDataLoader) {
  Tensor x = arange(10).view({10, 1});
  data::TensorDataset dataset(x, x.view({10}));
  std::set<size_t> seen;
  for (size_t rank = 0; rank < 3; ++rank) {
    DistributedSequentialSampler sampler(dataset.size(), 3, rank);  // allow_duplicates: 4 each
    auto loader = data::make_data_loader(dataset, sampler, data::DataLoaderOptions(3));
    std::vector<size_t> got;
    for (auto& batch : *loader) {
      EXPECT_LE(batch.size(), 3u);
      for (auto& example : batch)
        got.push_back(static_cast<size_t>(example.target.item<int64_t>()));
    }
    EXPECT_EQ(got, sampler.indices());
    EXPECT_EQ(got.size(), 4u);
    seen.insert(got.begin(), got.end());
  }
  EXPECT_EQ(seen.size(), 10u);
  // Through the LibTorch base class: set_epoch / epoch.
  DistributedRandomSampler sampler(10, 2, 1);
  data::samplers::DistributedSampler<>& base = sampler;
  base.set_epoch(5);
  EXPECT_EQ(sampler.epoch(), 5u);
  base.reset(std::nullopt);
  EXPECT_EQ(sampler.indices(), (shards<DistributedRandomSampler>(10, 2, true, 5)[1]));
}

}  // namespace
