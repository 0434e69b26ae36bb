// Distributed benchmarks (run under mpirun; bench/distributed/run.sh runs them all):
//   nabla_bench_distributed allreduce   float32 allreduce of 1 KB .. 64 MB: time, bandwidth
//   nabla_bench_distributed mlp|cnn [cap_mb [threads [steps]]]   an epoch of Fashion-MNIST's
//        MLP (784-256-128-10) or CNN (examples/fashion_mnist.cpp --model cnn: two 3x3 conv +
//        max-pool layers, 1600-128-10), Adam, global batch 64, on synthetic images: the whole
//        epoch of 60,000 (937 steps) or its first `steps` steps (0: all). DistributedDataParallel
//        when run on several processes, plain when on one; then the allreduce time per step and
//        how much of it backward hides: 1 - (wait after backward) / (same buckets reduced alone).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "nabla/distributed.h"
#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace dist = nabla::distributed;
namespace F = nabla::nn::functional;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void bench_allreduce(dist::ProcessGroup& pg) {
  const int world = pg.getSize();
  if (pg.getRank() == 0)
    std::printf("allreduce float32 SUM, %d processes\n%10s %12s %12s %12s\n", world, "bytes",
                "time_us", "algbw_GB/s", "busbw_GB/s");
  for (int64_t bytes = 1024; bytes <= (64 << 20); bytes *= 4) {
    std::vector<Tensor> t{ones({bytes / 4})};
    const int reps = bytes <= (1 << 20) ? 50 : bytes <= (16 << 20) ? 10 : 5;
    std::vector<double> times;
    pg.allreduce(t)->wait();  // warm-up
    for (int r = 0; r < reps; ++r) {
      pg.barrier()->wait();
      auto t0 = Clock::now();
      pg.allreduce(t)->wait();
      times.push_back(seconds_since(t0));
    }
    // The slowest rank's time is the collective's.
    std::vector<Tensor> m{tensor(std::vector<double>{median(times)}, dtype(kFloat64))};
    dist::AllreduceOptions opts;
    opts.reduceOp = dist::ReduceOp::MAX;
    pg.allreduce(m, opts)->wait();
    const double s = m[0].item<double>();
    // Ring allreduce moves 2 (n - 1) / n of the data through each link (NCCL's "bus bw").
    const double algbw = bytes / s / 1e9, busbw = algbw * 2.0 * (world - 1) / world;
    if (pg.getRank() == 0)
      std::printf("%10lld %12.1f %12.3f %12.3f\n", static_cast<long long>(bytes), s * 1e6, algbw,
                  busbw);
  }
}

// The trainer's models (examples/fashion_mnist.cpp), with the input shape each takes.
nn::Sequential make_model(const std::string& name) {
  if (name == "mlp")  // [N, 784]
    return nn::Sequential(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(),
                          nn::Linear(128, 10));
  // [N, 1, 28, 28] -> 32 x 13 x 13 -> 64 x 5 x 5 = 1600 features
  return nn::Sequential(nn::Conv2d(1, 32, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(32, 64, 3),
                        nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Dropout(0.25),
                        nn::Linear(1600, 128), nn::ReLU(), nn::Linear(128, 10));
}

// One epoch (or its first `max_steps` steps) of `name` ("mlp" or "cnn").
void bench_epoch(std::shared_ptr<dist::ProcessGroup> pg, const std::string& name, double cap_mb,
                 int64_t max_steps) {
  const int world = pg->getSize(), rank = pg->getRank();
  const int64_t global = 64, local = global / world;
  const int64_t steps =
      max_steps > 0 ? std::min<int64_t>(max_steps, 60000 / global) : 60000 / global;
  const int64_t n = steps * global;  // only the images the measured steps read
  manual_seed(0);
  Tensor x = name == "mlp" ? randn({n, 784}) : randn({n, 1, 28, 28});
  Tensor y = randint(0, 10, {n}, dtype(kLong));
  nn::Sequential model = make_model(name);
  std::optional<nn::parallel::DistributedDataParallel<nn::Sequential>> ddp;
  if (world > 1)
    ddp.emplace(model, pg, nn::parallel::DistributedDataParallelOptions().bucket_cap_mb(cap_mb));
  optim::Adam opt(model->parameters(), optim::AdamOptions(1e-3));
  double wait_s = 0, backward_s = 0, alone_s = 0;
  std::vector<int64_t> buckets;
  std::vector<Tensor> flats;  // the buckets' sizes, reduced alone after each step
  if (ddp) {
    buckets = ddp->reducer().bucket_sizes();
    for (int64_t b : buckets) flats.push_back(zeros({b}));
  }
  pg->barrier()->wait();
  auto t0 = Clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    Tensor xb = x.narrow(0, s * global + rank * local, local);
    Tensor yb = y.narrow(0, s * global + rank * local, local);
    opt.zero_grad();
    Tensor out = ddp ? (*ddp)(xb) : model->forward(xb);
    Tensor loss = F::cross_entropy(out, yb);
    auto b0 = Clock::now();
    loss.backward();
    backward_s += seconds_since(b0);
    if (ddp) wait_s += ddp->reducer().last_wait_seconds();
    opt.step();
  }
  pg->barrier()->wait();
  const double epoch_s = seconds_since(t0);
  // The same buckets reduced alone, blocking, one step's worth at a time (interleaved with
  // short compute so that both see the same machine load): what backward could hide.
  if (ddp) {
    for (int64_t s = 0; s < std::min<int64_t>(steps, 200); ++s) {
      {
        NoGradGuard no_grad;
        model->forward(x.narrow(0, s * local, local));
      }
      auto a0 = Clock::now();
      std::vector<std::shared_ptr<dist::Work>> works;
      for (Tensor& f : flats) {
        std::vector<Tensor> one{f};
        works.push_back(pg->allreduce(one));
      }
      for (auto& w : works) w->wait();
      alone_s += seconds_since(a0);
    }
    alone_s /= std::min<int64_t>(steps, 200);
  }
  if (rank == 0) {
    std::printf("%s epoch: %d process(es) x %d thread(s), global batch %lld, %lld steps: %.2f s\n",
                name.c_str(), world, get_num_threads(), static_cast<long long>(global),
                static_cast<long long>(steps), epoch_s);
    std::printf("  backward %.3f ms/step (with its allreduces)\n", 1e3 * backward_s / steps);
    if (ddp) {
      std::printf("  buckets (elements):");
      for (int64_t b : buckets) std::printf(" %lld", static_cast<long long>(b));
      const double wait_per_step = wait_s / steps;
      std::printf(
          "\n  allreduce alone %.3f ms/step, waited after backward %.3f ms/step: "
          "%.0f%% hidden behind backward\n",
          1e3 * alone_s, 1e3 * wait_per_step, 100 * std::max(0.0, 1 - wait_per_step / alone_s));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "allreduce";
  auto pg = dist::ProcessGroupMPI::createProcessGroupMPI();
  if (what == "allreduce") {
    bench_allreduce(*pg);
  } else if (what == "mlp" || what == "cnn") {
    if (argc > 3) set_num_threads(std::atoi(argv[3]));
    bench_epoch(pg, what, argc > 2 ? std::atof(argv[2]) : 25.0, argc > 4 ? std::atoll(argv[4]) : 0);
  } else {
    std::fprintf(stderr, "usage: %s allreduce | mlp|cnn [bucket_cap_mb [threads [steps]]]\n",
                 argv[0]);
    return 2;
  }
  return 0;
}
