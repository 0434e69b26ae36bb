// nabla::distributed and DistributedDataParallel under `mpirun -np 2` (tests/distributed/
// CMakeLists.txt starts it; any number of processes works). Every collective is checked
// against a reference that each rank computes alone from all ranks' inputs; DDP is checked
// against one process training on the whole batch.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "nabla/distributed.h"
#include "nabla/nabla.h"

#if defined(__SANITIZE_ADDRESS__)
// Open MPI unloads its plugins (mca_*.so) at MPI_Finalize, before LeakSanitizer runs at exit:
// their allocations, never freed by design, would then be reported from "<unknown module>"
// and could not be suppressed by name (scripts/lsan.supp). Keeping every plugin loaded (this
// dlclose wins over libc's for the whole process) lets the suppressions work, so that
// nabla's own leaks are still found.
extern "C" int dlclose(void*) { return 0; }
#endif

using namespace nabla;  // NOLINT
namespace dist = nabla::distributed;
namespace F = nabla::nn::functional;

namespace {

// The progress thread on (unless the caller chose), although 2 ranks x 1 thread leave no spare
// core on CI's 2-core machine, where the default would turn it off: these tests check it.
const int kProgressThreadOn = setenv("NABLA_MPI_PROGRESS_THREAD", "1", /*overwrite=*/0);

std::shared_ptr<dist::ProcessGroupMPI> group() {
  static auto pg = [] {
    auto g = dist::ProcessGroupMPI::createProcessGroupMPI();
    g->setTimeout(std::chrono::seconds(60));  // a failed peer fails the test, not CTest's 300 s
    return g;
  }();
  return pg;
}

const ScalarType kAllTypes[] = {kUInt8,   kInt32, kInt64, kFloat32,
                                kFloat64, kBool,  kHalf,  kBFloat16};
// 0 and 1 element, an odd size, and one that no power-of-two segment divides.
const int64_t kSizes[] = {0, 1, 7, 1001};

// Rank r's input: small non-negative values (no uint8 overflow in a sum over a few ranks).
std::vector<double> values_of(int rank, int64_t n, ScalarType t) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[i] = t == kBool ? ((i + rank) % 3 == 0) : static_cast<double>((i * (rank + 2) + rank) % 7);
  return v;
}
Tensor input_of(int rank, int64_t n, ScalarType t) {
  return tensor(values_of(rank, n, t), TensorOptions().dtype(kFloat64)).to(t);
}
std::vector<double> as_doubles(const Tensor& t) {
  Tensor d = t.to(kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// The reduction of every rank's input, computed on this rank alone.
std::vector<double> reference(dist::ReduceOp op, int64_t n, ScalarType t, int world) {
  std::vector<double> acc = values_of(0, n, t);
  for (int r = 1; r < world; ++r) {
    std::vector<double> v = values_of(r, n, t);
    for (size_t i = 0; i < acc.size(); ++i) {
      switch (op.op_) {
        case dist::ReduceOp::SUM:
        case dist::ReduceOp::AVG:
          acc[i] += v[i];
          break;
        case dist::ReduceOp::PRODUCT:
          acc[i] *= v[i];
          break;
        case dist::ReduceOp::MIN:
          acc[i] = std::min(acc[i], v[i]);
          break;
        default:
          acc[i] = std::max(acc[i], v[i]);
          break;
      }
    }
  }
  for (double& a : acc) {
    if (op.op_ == dist::ReduceOp::AVG) a /= world;
    if (t == kBool) a = a != 0;
  }
  // Through the dtype, as the result is (float32 rounding of an average).
  return as_doubles(tensor(acc, TensorOptions().dtype(kFloat64)).to(t));
}

TEST(ProcessGroupMPI, RankAndSize) {
  auto pg = group();
  ASSERT_NE(pg, nullptr);
  EXPECT_TRUE(dist::is_mpi_available());
  EXPECT_GE(pg->getSize(), 1);
  EXPECT_GE(pg->getRank(), 0);
  EXPECT_LT(pg->getRank(), pg->getSize());
  EXPECT_EQ(pg->getBackendName(), "mpi");
  pg->barrier()->wait();
}

TEST(ProcessGroupMPI, AllreduceEveryOpDtypeAndSize) {
  auto pg = group();
  for (ScalarType t : kAllTypes) {
    for (int64_t n : kSizes) {
      for (auto op : {dist::ReduceOp::SUM, dist::ReduceOp::AVG, dist::ReduceOp::MIN,
                      dist::ReduceOp::MAX, dist::ReduceOp::PRODUCT}) {
        if (op == dist::ReduceOp::AVG && !isFloatingType(t)) continue;
        std::vector<Tensor> ts{input_of(pg->getRank(), n, t)};
        dist::AllreduceOptions opts;
        opts.reduceOp = op;
        auto work = pg->allreduce(ts, opts);
        ASSERT_TRUE(work->wait());
        EXPECT_TRUE(work->isCompleted());
        EXPECT_TRUE(work->isSuccess());
        EXPECT_EQ(ts[0].scalar_type(), t);
        EXPECT_EQ(as_doubles(ts[0]), reference(op, n, t, pg->getSize()))
            << "op " << int(op) << " dtype " << t << " n " << n;
      }
    }
  }
}

// A collective must advance while the caller computes (DDP starts buckets during backward):
// Open MPI moves it on only inside MPI calls, which nabla's progress thread makes. 16 MB goes
// over shared memory in about 500 fragments; without that thread each isCompleted() below would
// move it on by a few, and 150 polls 20 ms apart would not see it finish.
TEST(ProcessGroupMPI, CollectiveProgressesWithoutWait) {
  auto pg = group();
  const int64_t n = int64_t(4) << 20;  // 16 MB of float32
  std::vector<Tensor> ts{full({n}, static_cast<double>(pg->getRank() + 1))};
  auto work = pg->allreduce(ts);
  int polls = 0;
  while (!work->isCompleted() && polls < 150) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // "computing", no MPI calls
    ++polls;
  }
  EXPECT_LT(polls, 150) << "the allreduce did not progress between isCompleted() calls";
  ASSERT_TRUE(work->wait());
  const double world = pg->getSize();
  EXPECT_EQ(ts[0][n - 1].item<float>(), static_cast<float>(world * (world + 1) / 2));
  pg->barrier()->wait();
}

TEST(ProcessGroupMPI, AvgOfIntegersIsAnError) {
  auto pg = group();
  std::vector<Tensor> ts{ones({3}, TensorOptions().dtype(kInt64))};
  dist::AllreduceOptions opts;
  opts.reduceOp = dist::ReduceOp::AVG;
  EXPECT_THROW(pg->allreduce(ts, opts), Error);
  std::vector<Tensor> two{ones({1}), ones({1})};
  EXPECT_THROW(pg->allreduce(two), Error);
  std::vector<Tensor> strided{ones({4, 4}).t()};
  EXPECT_THROW(pg->allreduce(strided), Error);
}

TEST(ProcessGroupMPI, BroadcastFromEveryRoot) {
  auto pg = group();
  for (int root = 0; root < pg->getSize(); ++root) {
    for (ScalarType t : kAllTypes) {
      for (int64_t n : kSizes) {
        std::vector<Tensor> ts{input_of(pg->getRank(), n, t)};
        dist::BroadcastOptions opts;
        opts.rootRank = root;
        pg->broadcast(ts, opts)->wait();
        EXPECT_EQ(as_doubles(ts[0]), values_of(root, n, t)) << "root " << root << " " << t;
      }
    }
  }
  std::vector<Tensor> ts{ones({2})};
  dist::BroadcastOptions bad;
  bad.rootRank = pg->getSize();
  EXPECT_THROW(pg->broadcast(ts, bad), Error);
}

TEST(ProcessGroupMPI, Allgather) {
  auto pg = group();
  for (ScalarType t : kAllTypes) {
    for (int64_t n : kSizes) {
      std::vector<Tensor> in{input_of(pg->getRank(), n, t).view({n, 1})};
      std::vector<std::vector<Tensor>> out(1);
      for (int r = 0; r < pg->getSize(); ++r)
        out[0].push_back(zeros({n, 1}, TensorOptions().dtype(t)));
      pg->allgather(out, in)->wait();
      for (int r = 0; r < pg->getSize(); ++r)
        EXPECT_EQ(as_doubles(out[0][r]), values_of(r, n, t)) << t << " n " << n << " from " << r;
    }
  }
  std::vector<Tensor> in{ones({3})};
  std::vector<std::vector<Tensor>> wrong{{ones({2})}};
  EXPECT_THROW(pg->allgather(wrong, in), Error);
}

TEST(ProcessGroupMPI, ReduceScatter) {
  auto pg = group();
  const int world = pg->getSize();
  for (ScalarType t : kAllTypes) {
    for (int64_t n : kSizes) {
      for (auto op :
           {dist::ReduceOp::SUM, dist::ReduceOp::MIN, dist::ReduceOp::MAX, dist::ReduceOp::AVG}) {
        if (op == dist::ReduceOp::AVG && !isFloatingType(t)) continue;
        // Block b of rank r's input is rank (r + b)'s values: block b reduces to rank b.
        std::vector<std::vector<Tensor>> in(1);
        for (int b = 0; b < world; ++b) in[0].push_back(input_of(pg->getRank() + b, n, t));
        std::vector<Tensor> out{empty({n}, TensorOptions().dtype(t))};
        dist::ReduceScatterOptions opts;
        opts.reduceOp = op;
        pg->reduce_scatter(out, in, opts)->wait();
        // What rank me receives: the reduction over ranks r of values_of(r + me).
        const int me = pg->getRank();
        std::vector<double> expect = values_of(me, n, t);
        for (int r = 1; r < world; ++r) {
          std::vector<double> v = values_of(r + me, n, t);
          for (size_t i = 0; i < expect.size(); ++i) {
            if (op == dist::ReduceOp::MIN)
              expect[i] = std::min(expect[i], v[i]);
            else if (op == dist::ReduceOp::MAX)
              expect[i] = std::max(expect[i], v[i]);
            else
              expect[i] += v[i];
          }
        }
        for (double& e : expect) {
          if (op == dist::ReduceOp::AVG) e /= world;
          if (t == kBool) e = e != 0;
        }
        expect = as_doubles(tensor(expect, TensorOptions().dtype(kFloat64)).to(t));
        EXPECT_EQ(as_doubles(out[0]), expect) << t << " n " << n << " op " << int(op);
      }
    }
  }
}

TEST(ProcessGroupMPI, TimeoutIsAnErrorNotAHang) {
  auto pg = group();
  if (pg->getSize() < 2) GTEST_SKIP() << "needs 2 processes";
  if (pg->getRank() == 0) {
    dist::BarrierOptions opts;
    opts.timeout = std::chrono::milliseconds(200);
    auto work = pg->barrier(opts);  // rank 1 arrives only after a second
    try {
      work->wait();
      ADD_FAILURE() << "expected a timeout";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(work->wait(dist::kNoTimeout));  // and it completes once rank 1 comes
  } else {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pg->barrier()->wait();
  }
  pg->barrier()->wait();
}

TEST(ProcessGroupMPI, SubgroupOfRankZero) {
  auto pg0 = dist::ProcessGroupMPI::createProcessGroupMPI({0});
  if (group()->getRank() == 0) {
    ASSERT_NE(pg0, nullptr);
    EXPECT_EQ(pg0->getSize(), 1);
    std::vector<Tensor> t{ones({2})};
    pg0->allreduce(t)->wait();
    EXPECT_EQ(as_doubles(t[0]), (std::vector<double>{1, 1}));
  } else {
    EXPECT_EQ(pg0, nullptr);
  }
}

// ---- DistributedDataParallel -------------------------------------------------------------

nn::Sequential make_mlp(ScalarType dtype) {
  nn::Sequential m(nn::Linear(6, 16), nn::Tanh(), nn::Linear(16, 8), nn::Tanh(), nn::Linear(8, 3));
  m->to(dtype);
  return m;
}

// 100 steps: DDP with (64 / world) examples per rank against one process with all 64.
void check_equivalence(ScalarType dtype, bool adam, double tol, double bucket_cap_mb) {
  auto pg = group();
  const int world = pg->getSize();
  const int64_t global = 64, local = global / world;
  manual_seed(1234 + pg->getRank());  // different initial weights: DDP must copy rank 0's
  nn::Sequential model = make_mlp(dtype);
  nn::parallel::DistributedDataParallel ddp(
      model, pg, nn::parallel::DistributedDataParallelOptions().bucket_cap_mb(bucket_cap_mb));
  nn::Sequential ref = make_mlp(dtype);
  {
    NoGradGuard no_grad;
    auto p = model->parameters(), q = ref->parameters();
    for (size_t i = 0; i < p.size(); ++i) q[i].copy_(p[i]);
  }
  auto make_opt = [&](std::vector<Tensor> params) -> std::unique_ptr<optim::Optimizer> {
    if (adam) return std::make_unique<optim::Adam>(params, optim::AdamOptions(1e-2));
    return std::make_unique<optim::SGD>(params, optim::SGDOptions(0.05).momentum(0.9));
  };
  auto opt = make_opt(model->parameters());
  auto ref_opt = make_opt(ref->parameters());
  manual_seed(99);  // the same data on every rank; rank r trains on its slice of each batch
  Tensor x = randn({100 * global, 6}).to(dtype), y = randn({100 * global, 3}).to(dtype);
  for (int step = 0; step < 100; ++step) {
    Tensor xb = x.narrow(0, step * global, global), yb = y.narrow(0, step * global, global);
    opt->zero_grad();
    F::mse_loss(ddp(xb.narrow(0, pg->getRank() * local, local)),
                yb.narrow(0, pg->getRank() * local, local))
        .backward();
    opt->step();
    ref_opt->zero_grad();
    F::mse_loss(ref->forward(xb), yb).backward();
    ref_opt->step();
  }
  auto p = model->parameters(), q = ref->parameters();
  for (size_t i = 0; i < p.size(); ++i) {
    const double diff = (p[i] - q[i]).abs().max().item<double>();
    EXPECT_LE(diff, tol) << "parameter " << i << (adam ? " adam " : " sgd ") << dtype;
  }
  // Every rank ends with the same parameters.
  for (const Tensor& t : model->parameters()) {
    std::vector<Tensor> mine{t.detach().clone()};
    pg->broadcast(mine)->wait();
    EXPECT_TRUE(mine[0].equal(t.detach()));
  }
}

TEST(DistributedDataParallel, SgdFloat64MatchesOneProcess) {
  check_equivalence(kFloat64, false, 1e-6, 25);
}
TEST(DistributedDataParallel, AdamFloat64MatchesOneProcess) {
  check_equivalence(kFloat64, true, 1e-6, 25);
}
TEST(DistributedDataParallel, SgdFloat32MatchesOneProcess) {
  check_equivalence(kFloat32, false, 1e-5, 25);
}
TEST(DistributedDataParallel, AdamFloat32ManyBucketsMatchesOneProcess) {
  // 300 bytes per bucket: several buckets, none a multiple of the parameters' sizes.
  check_equivalence(kFloat32, true, 1e-5, 300.0 / (1024 * 1024));
}

TEST(DistributedDataParallel, BucketsFollowTheCap) {
  auto pg = group();
  nn::Sequential model = make_mlp(kFloat32);
  // Parameters (reverse order) have 3, 24, 8, 128, 16, 96 floats; cap 200 floats.
  nn::parallel::DistributedDataParallel ddp(
      model, pg,
      nn::parallel::DistributedDataParallelOptions().bucket_cap_mb(800.0 / (1024 * 1024)));
  EXPECT_EQ(ddp.reducer().bucket_sizes(), (std::vector<int64_t>{3 + 24 + 8 + 128 + 16, 96}));
  nn::parallel::DistributedDataParallel one(model, pg);
  EXPECT_EQ(one.reducer().bucket_sizes(), (std::vector<int64_t>{275}));
}

TEST(DistributedDataParallel, NoSyncAccumulatesThenReducesTheSum) {
  auto pg = group();
  manual_seed(5);
  nn::Sequential model = make_mlp(kFloat64);
  nn::parallel::DistributedDataParallel ddp(model, pg);
  manual_seed(6 + pg->getRank());
  Tensor x1 = randn({4, 6}, TensorOptions().dtype(kFloat64));
  Tensor x2 = randn({4, 6}, TensorOptions().dtype(kFloat64));
  {
    auto guard = ddp.no_sync();
    ddp(x1).sum().backward();
  }
  ddp(x2).sum().backward();
  // Expected: the average over ranks of (grad x1 + grad x2), from a plain copy of the model.
  nn::Sequential plain = make_mlp(kFloat64);
  {
    NoGradGuard no_grad;
    auto p = model->parameters(), q = plain->parameters();
    for (size_t i = 0; i < p.size(); ++i) q[i].copy_(p[i]);
  }
  plain->forward(x1).sum().backward();
  plain->forward(x2).sum().backward();
  auto p = model->parameters(), q = plain->parameters();
  for (size_t i = 0; i < p.size(); ++i) {
    std::vector<Tensor> avg{q[i].grad().clone()};
    dist::AllreduceOptions opts;
    opts.reduceOp = dist::ReduceOp::AVG;
    pg->allreduce(avg, opts)->wait();
    EXPECT_TRUE(p[i].grad().allclose(avg[0], 1e-12, 1e-12)) << "parameter " << i;
  }
}

// Branch a on every rank, branch b on rank 0 only, branch c never.
struct ThreeBranchesImpl : nn::Cloneable<ThreeBranchesImpl> {
  ThreeBranchesImpl() { reset(); }
  void reset() override {
    a = register_module("a", nn::Linear(4, 2));
    b = register_module("b", nn::Linear(4, 2));
    c = register_module("c", nn::Linear(4, 2));
  }
  Tensor forward(const Tensor& x, bool use_b) { return use_b ? a(x) + b(x) : a(x); }
  nn::Linear a = nullptr, b = nullptr, c = nullptr;
};
NABLA_MODULE(ThreeBranches);

TEST(DistributedDataParallel, FindUnusedParameters) {
  auto pg = group();
  if (pg->getSize() < 2) GTEST_SKIP() << "needs 2 processes";
  manual_seed(3);
  ThreeBranches model;
  nn::parallel::DistributedDataParallel ddp(
      model, pg, nn::parallel::DistributedDataParallelOptions().find_unused_parameters(true));
  Tensor x = ones({3, 4});
  const bool use_b = pg->getRank() == 0;
  ddp(x, use_b).sum().backward();
  // b's gradient is rank 0's divided by the world size; c, unused everywhere, has none.
  ThreeBranches plain;
  {
    NoGradGuard no_grad;
    auto p = model->parameters(), q = plain->parameters();
    for (size_t i = 0; i < p.size(); ++i) q[i].copy_(p[i]);
  }
  plain->forward(x, true).sum().backward();
  const double world = pg->getSize();
  EXPECT_TRUE(model->a->weight.grad().allclose(plain->a->weight.grad()));
  EXPECT_TRUE(model->b->weight.grad().allclose(plain->b->weight.grad() / world));
  EXPECT_FALSE(model->c->weight.grad().defined());
}

TEST(DistributedDataParallel, UnusedParameterWithoutTheOptionIsAnError) {
  auto pg = group();
  ThreeBranches model;
  nn::parallel::DistributedDataParallel ddp(model, pg);
  try {
    ddp(ones({3, 4}), true).sum().backward();
    ADD_FAILURE() << "expected an error naming the unused parameters";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c.weight'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("find_unused_parameters"), std::string::npos);
  }
  // The group is still in step: a collective after the error works.
  pg->barrier()->wait();
}

TEST(DistributedDataParallel, DifferentModelsAreAnErrorOnEveryRank) {
  auto pg = group();
  if (pg->getSize() < 2) GTEST_SKIP() << "needs 2 processes";
  nn::Sequential model(nn::Linear(4, pg->getRank() == 1 ? 5 : 3));
  try {
    nn::parallel::DistributedDataParallel ddp(model, pg);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank(s) 1"), std::string::npos) << what;
    if (pg->getRank() == 1) {
      EXPECT_NE(what.find("[5, 4]"), std::string::npos) << what;
    }
  }
  pg->barrier()->wait();
}

TEST(DistributedDataParallel, ParametersBroadcastFromRankZero) {
  auto pg = group();
  manual_seed(100 + pg->getRank());
  nn::Sequential model = make_mlp(kFloat32);
  nn::parallel::DistributedDataParallel ddp(model, pg);
  for (const Tensor& p : model->parameters()) {
    std::vector<std::vector<Tensor>> out(1);
    for (int r = 0; r < pg->getSize(); ++r) out[0].push_back(empty_like(p));
    std::vector<Tensor> in{p.detach()};
    pg->allgather(out, in)->wait();
    for (int r = 1; r < pg->getSize(); ++r) EXPECT_TRUE(out[0][r].equal(out[0][0]));
  }
}

}  // namespace
