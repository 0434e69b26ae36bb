// --distributed in the char-LM trainers (char_lm, char_gpt): one process per rank under
// `mpirun -np N`, the model wrapped in DistributedDataParallel, every rank taking its own rows
// of each global batch (batch-size rows per process and step), metrics summed over the ranks,
// and rank 0 alone printing and writing the checkpoint and curves. A rank that fails aborts
// the whole job (MPI_Abort), so that the others do not wait for it forever.
#pragma once

#include <nabla/distributed.h>
#include <nabla/nabla.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace data_parallel {

/// The process group of --distributed, or null in a single-process run.
inline std::shared_ptr<nabla::distributed::ProcessGroupMPI>& group() {
  static std::shared_ptr<nabla::distributed::ProcessGroupMPI> g;
  return g;
}
inline int rank() { return group() ? group()->getRank() : 0; }
inline int world() { return group() ? group()->getSize() : 1; }

/// `values` summed over the ranks (loss sums, counts); unchanged in a single-process run.
inline std::vector<double> sum_over_ranks(std::vector<double> values) {
  if (!group()) return values;
  std::vector<nabla::Tensor> t{nabla::tensor(values, nabla::dtype(nabla::kFloat64))};
  group()->allreduce(t)->wait();
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = t[0][static_cast<int64_t>(i)].item<double>();
  return values;
}

/// This rank's block [from, to) of `n` items split as evenly as the ranks allow.
inline std::pair<int64_t, int64_t> shard(int64_t n) {
  return {n * rank() / world(), n * (rank() + 1) / world()};
}

/// Waits for every rank (so that none exits while rank 0 still writes files).
inline void barrier() {
  if (group()) group()->barrier()->wait();
}

/// After an error on this rank: stops every rank of the job instead of leaving them waiting.
inline void abort_job() {
  if (group() && world() > 1) {
    std::fprintf(stderr, "rank %d failed: aborting the job\n", rank());
    group()->abort();
  }
}

}  // namespace data_parallel
