// Workload 9, memory, one case per process (--only, since a peak RSS is the process's):
//   vector:   fw::tensor(std::vector<int64_t>) of 47M values (376 MB; 4.7M with --quick): the
//             process's peak RSS, and its growth while the vector and the tensor were made.
//   training: an MLP (32-64-10, batch 16, Adam) for 10,000 steps: the RSS after step 1,000 and
//             after step 10,000 (a cache that does not reuse its blocks grows between them).
#include <fstream>
#include <numeric>

#include "common.h"

namespace {

// The current RSS (VmRSS) in MB.
double current_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

std::string fmt1(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f", v);
  return s;
}

void vector_case(const bench::Args& args) {
  const int64_t n = args.quick ? 4'700'000 : 47'000'000;
  const double start_rss = current_rss_mb();
  const double t0 = bench::now();
  std::vector<int64_t> values(static_cast<size_t>(n));
  std::iota(values.begin(), values.end(), int64_t{0});
  fw::Tensor t = fw::tensor(values);
  const double seconds = bench::now() - t0;
  if (t[n - 1].item<int64_t>() != n - 1) throw std::runtime_error("wrong last value");
  const double peak = bench::peak_rss_mb();
  bench::emit("memory", "tensor(std::vector<int64_t>)", args, {seconds}, "", 0,
              {{"rss_mb", fmt1(peak)},
               {"growth_mb", fmt1(peak - start_rss)},
               {"data_mb", fmt1(static_cast<double>(n) * 8 / (1 << 20))}});
}

void training_case(const bench::Args& args) {
  fw::manual_seed(0);
  fw::nn::Sequential model(fw::nn::Linear(32, 64), fw::nn::ReLU(), fw::nn::Linear(64, 10));
  fw::optim::Adam opt(model->parameters(), fw::optim::AdamOptions(1e-3));
  const fw::Tensor x = fw::randn({16, 32});
  const fw::Tensor y = fw::randint(10, {16});
  double rss_1000 = 0;
  const double t0 = bench::now();
  for (int step = 1; step <= 10000; ++step) {
    opt.zero_grad();
    fw::Tensor loss = fw::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    if (step == 1000) rss_1000 = current_rss_mb();
  }
  const double seconds = (bench::now() - t0) / 10000;
  const double rss_10000 = current_rss_mb();
  bench::emit("memory", "MLP training, 10,000 steps", args, {seconds}, "", 0,
              {{"rss_mb", fmt1(std::max(bench::peak_rss_mb(), rss_10000))},  // ru_maxrss may lag
               {"rss_1000_mb", fmt1(rss_1000)},
               {"rss_10000_mb", fmt1(rss_10000)}});
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  if (args.only == "vector") {
    vector_case(args);
  } else if (args.only == "training") {
    training_case(args);
  } else {
    throw std::runtime_error("--only vector or --only training (one case per process)");
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "memory: %s\n", e.what());
  return 1;
}
