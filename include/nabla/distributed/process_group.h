// Process groups for data-parallel training across processes, in the shape of LibTorch's c10d
// (torch/csrc/distributed/c10d/ProcessGroupMPI.hpp): code written against c10d ports by
// renaming `c10d::` to `nabla::distributed::` and its include.
//
//   // mpirun -np 4 ./train
//   auto pg = nabla::distributed::ProcessGroupMPI::createProcessGroupMPI();
//   std::vector<nabla::Tensor> t{nabla::ones({3}) * pg->getRank()};
//   pg->allreduce(t)->wait();  // every rank now holds 0 + 1 + 2 + 3 = 6 in each element
//
// Every collective takes one contiguous CPU tensor per process (as c10d's MPI group), starts a
// non-blocking MPI operation and returns a Work whose wait() completes it. The ranks must call
// the same collectives in the same order. Errors, including a peer that never arrives within
// the timeout (30 minutes by default, see setTimeout), raise nabla::Error instead of hanging.
// MPI is initialized once, on the first createProcessGroupMPI(), and finalized at exit.
// MPI stays out of this header: a build without MPI has the same API, and
// createProcessGroupMPI() then raises nabla::Error (see is_mpi_available()).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {
namespace distributed {

/// Whether this nabla was built with MPI (CMake option NABLA_MPI and an MPI installation).
bool is_mpi_available();

/// c10d's reduction operators. AVG is SUM divided by the group size (floating types only);
/// BAND, BOR and BXOR are for integer and bool tensors.
struct ReduceOp {
  enum RedOpType : uint8_t {
    SUM = 0,
    AVG = 1,
    PRODUCT = 2,
    MIN = 3,
    MAX = 4,
    BAND = 5,
    BOR = 6,
    BXOR = 7,
    PREMUL_SUM = 8,  // not supported by the MPI group (as in c10d)
    UNUSED = 9
  };
  ReduceOp() = default;
  ReduceOp(RedOpType op) : op_(op) {}  // NOLINT: implicit, as in c10d
  operator RedOpType() const { return op_; }
  RedOpType op_ = SUM;
};

/// A timeout of kUnsetTimeout in an options struct means the group's own timeout.
constexpr std::chrono::milliseconds kUnsetTimeout = std::chrono::milliseconds(-1);
/// c10d's default timeout of a process group.
constexpr std::chrono::milliseconds kProcessGroupDefaultTimeout = std::chrono::minutes(30);
constexpr std::chrono::milliseconds kNoTimeout = std::chrono::milliseconds::zero();

struct BroadcastOptions {
  int64_t rootRank = 0;
  int64_t rootTensor = 0;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};
struct AllreduceOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};
struct AllgatherOptions {
  std::chrono::milliseconds timeout = kUnsetTimeout;
};
struct ReduceScatterOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};
struct BarrierOptions {
  std::vector<int64_t> device_ids;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

/// A collective in flight. wait() blocks until it is done on this rank (so its output tensors
/// may be read) and raises nabla::Error if it failed or did not finish within its timeout.
class Work {
 public:
  virtual ~Work() = default;
  /// Polls: true once the operation has finished (successfully or not); never blocks.
  virtual bool isCompleted() = 0;
  /// True when it finished without error.
  virtual bool isSuccess() const = 0;
  /// The error it finished with, or nullptr.
  virtual std::exception_ptr exception() const = 0;
  /// Blocks until done; `timeout` kNoTimeout waits forever, kUnsetTimeout uses the one the
  /// collective was started with. Returns true, or raises nabla::Error.
  virtual bool wait(std::chrono::milliseconds timeout = kUnsetTimeout) = 0;
  /// The output tensors (for allreduce and broadcast: the tensors themselves).
  virtual std::vector<Tensor> result() = 0;
  /// Stops waiting; for MPI this aborts the whole job (MPI_Abort), as c10d's MPI group does.
  virtual void abort() = 0;
};

/// The interface every process group implements (c10d::ProcessGroup).
class ProcessGroup {
 public:
  using Work = ::nabla::distributed::Work;

  ProcessGroup(int rank, int size) : rank_(rank), size_(size) {}
  virtual ~ProcessGroup() = default;
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int getRank() const { return rank_; }
  int getSize() const { return size_; }
  virtual const std::string getBackendName() const = 0;

  /// tensors[0] on every rank becomes rootRank's.
  virtual std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors,
                                          const BroadcastOptions& opts = BroadcastOptions()) = 0;
  /// tensors[0] becomes the elementwise reduction of every rank's tensors[0], in place.
  virtual std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors,
                                          const AllreduceOptions& opts = AllreduceOptions()) = 0;
  /// outputTensors[0][r] becomes rank r's inputTensors[0] (all of one shape and dtype).
  virtual std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                          std::vector<Tensor>& inputTensors,
                                          const AllgatherOptions& opts = AllgatherOptions()) = 0;
  /// outputTensors[0] on rank r becomes the reduction over ranks of inputTensors[0][r].
  virtual std::shared_ptr<Work> reduce_scatter(
      std::vector<Tensor>& outputTensors, std::vector<std::vector<Tensor>>& inputTensors,
      const ReduceScatterOptions& opts = ReduceScatterOptions()) = 0;
  /// Completes when every rank has called it.
  virtual std::shared_ptr<Work> barrier(const BarrierOptions& opts = BarrierOptions()) = 0;

  /// The timeout of collectives whose options leave it unset (nabla's addition; c10d sets it
  /// at construction). kNoTimeout waits forever.
  void setTimeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  std::chrono::milliseconds getTimeout() const { return timeout_; }

 protected:
  std::chrono::milliseconds resolve(std::chrono::milliseconds timeout) const {
    return timeout == kUnsetTimeout ? timeout_ : timeout;
  }

 private:
  int rank_;
  int size_;
  std::chrono::milliseconds timeout_ = kProcessGroupDefaultTimeout;
};

/// The MPI process group: one communicator (a duplicate of MPI_COMM_WORLD, or of a subset of
/// its ranks) with MPI_ERRORS_RETURN, so that MPI errors come back as nabla::Error.
class ProcessGroupMPI : public ProcessGroup {
 public:
  class Impl;  // MPI state; defined in src/distributed/process_group_mpi.cpp

  /// Initializes MPI if needed (thread level MPI_THREAD_SERIALIZED at least, checked) and
  /// makes a group of `ranks` of MPI_COMM_WORLD (all of them when empty). On a rank outside
  /// `ranks` it returns nullptr, as c10d does.
  static std::shared_ptr<ProcessGroupMPI> createProcessGroupMPI(std::vector<int> ranks = {});

  ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl);
  ~ProcessGroupMPI() override;

  const std::string getBackendName() const override { return "mpi"; }
  /// Aborts every process of the job (MPI_Abort): for a rank that caught an error it cannot
  /// recover from, so that the others do not wait for it.
  void abort();

  std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors,
                                  const BroadcastOptions& opts = BroadcastOptions()) override;
  std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors,
                                  const AllreduceOptions& opts = AllreduceOptions()) override;
  std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                  std::vector<Tensor>& inputTensors,
                                  const AllgatherOptions& opts = AllgatherOptions()) override;
  std::shared_ptr<Work> reduce_scatter(
      std::vector<Tensor>& outputTensors, std::vector<std::vector<Tensor>>& inputTensors,
      const ReduceScatterOptions& opts = ReduceScatterOptions()) override;
  std::shared_ptr<Work> barrier(const BarrierOptions& opts = BarrierOptions()) override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace distributed
}  // namespace nabla
