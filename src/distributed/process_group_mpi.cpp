// ProcessGroupMPI: c10d's MPI process group on non-blocking MPI collectives (MPI-3), so that
// every wait() can time out instead of hanging, moved on by a progress thread while the caller
// computes. Without MPI (NABLA_HAVE_MPI unset) the API
// exists and createProcessGroupMPI() raises nabla::Error.
#include <algorithm>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/distributed/process_group.h"
#include "nabla/ops.h"

#if NABLA_HAVE_MPI
#include <mpi.h>
#endif

namespace nabla::distributed {

#if NABLA_HAVE_MPI

bool is_mpi_available() { return true; }

namespace {

// Every MPI call goes through this lock: MPI_THREAD_SERIALIZED is all nabla asks for, and it
// lets any thread of the program use a group.
std::mutex& mpi_mutex() {
  static std::mutex m;
  return m;
}

bool mpi_finalized() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

void check_mpi(int rc, const char* op) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  NABLA_ERROR("[{}] MPI error {}: {}", op, rc, std::string(text, static_cast<size_t>(len)));
}

// One non-blocking MPI call in flight. `done` and `rc` are written under mpi_mutex() by
// whichever thread's MPI_Test sees it complete: the progress thread or a waiting caller.
struct InFlight {
  MPI_Request request = MPI_REQUEST_NULL;
  bool done = false;
  int rc = MPI_SUCCESS;
};

// Tests `op` under mpi_mutex(); true once it has completed (or failed).
bool test_in_flight(InFlight& op) {
  if (op.done) return true;
  int flag = 0;
  op.rc = MPI_Test(&op.request, &flag, MPI_STATUS_IGNORE);
  if (op.rc != MPI_SUCCESS || flag) op.done = true;
  return op.done;
}

// Open MPI moves a non-blocking collective on only inside MPI calls: over shared memory a large
// message goes in 32 KB fragments, each needing a call on both sides. Without this thread a
// collective started during backward (DDP's buckets) would wait, untouched, for the first
// wait(), and nothing of it would overlap the computation. While collectives are in flight the
// thread tests them, sleeping 50 us between rounds so that it takes little from compute
// threads; it sleeps when none is in flight.
class ProgressThread {
 public:
  static ProgressThread& instance() {
    static ProgressThread thread;
    return thread;
  }
  ~ProgressThread() { stop(); }
  // On where a core is spare: more cores than this machine's ranks (Open MPI's
  // OMPI_COMM_WORLD_LOCAL_SIZE) times nabla's threads. Where every core computes, its wake-ups
  // preempt the computation: measured with 2 ranks x 1 thread on 2 cores, it hid 39-61% of the
  // CNN's allreduce but made the epoch 8% slower. NABLA_MPI_PROGRESS_THREAD=1 or 0 decides.
  static bool enabled() {
    static const bool on = [] {
      if (const char* v = std::getenv("NABLA_MPI_PROGRESS_THREAD")) return std::string(v) != "0";
      const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
      const long ranks = local != nullptr ? std::max(1L, std::atol(local)) : 1L;
      const long cores = static_cast<long>(std::thread::hardware_concurrency());
      return cores > ranks * static_cast<long>(get_num_threads());
    }();
    return on;
  }

  void add(std::shared_ptr<InFlight> op) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;  // at exit: the caller's wait() still drives it
    if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
    active_.push_back(std::move(op));
    if (asleep_ && waiters_ == 0) wake_.notify_one();
  }
  // Stops testing `op` (a collective whose peer is gone: no point spinning on it).
  void forget(const std::shared_ptr<InFlight>& op) {
    std::lock_guard<std::mutex> lock(mutex_);
    active_.erase(std::remove(active_.begin(), active_.end(), op), active_.end());
  }
  // A caller waiting on a collective tests it itself, at full speed: meanwhile this thread
  // stands back rather than contend for the MPI lock and the core.
  void waiter_begins() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++waiters_;
  }
  void waiter_ends(const std::shared_ptr<InFlight>& op, bool done) {
    std::lock_guard<std::mutex> lock(mutex_);
    --waiters_;
    if (done) active_.erase(std::remove(active_.begin(), active_.end(), op), active_.end());
    if (asleep_ && waiters_ == 0 && !active_.empty()) wake_.notify_one();
  }
  // Before MPI_Finalize, and at exit.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      wake_.notify_one();
    }
    if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
  }

 private:
  ProgressThread() = default;

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      asleep_ = true;
      wake_.wait(lock, [this] { return stopped_ || (!active_.empty() && waiters_ == 0); });
      asleep_ = false;
      if (stopped_) return;
      // Most small collectives are waited for at once: leave them to the caller for the first
      // millisecond. Waking sooner, and each time, cost a 256 KB allreduce 2x on 2 cores (the
      // wake-up preempts a rank that is moving fragments); a bucket started during backward
      // has milliseconds of computation to hide behind.
      lock.unlock();
      std::this_thread::sleep_for(kGrace);
      lock.lock();
      while (!stopped_ && !active_.empty() && waiters_ == 0) poll_round(lock);
    }
  }

  // Tests every collective in flight once, with `lock` released meanwhile.
  void poll_round(std::unique_lock<std::mutex>& lock) {
    std::vector<std::shared_ptr<InFlight>> batch = active_;
    std::vector<const InFlight*> finished;
    lock.unlock();
    {
      std::lock_guard<std::mutex> mpi(mpi_mutex());
      const bool finalized = mpi_finalized();
      for (auto& op : batch)
        if (finalized || test_in_flight(*op)) finished.push_back(op.get());
    }
    std::this_thread::sleep_for(kPollInterval);
    lock.lock();
    active_.erase(std::remove_if(active_.begin(), active_.end(),
                                 [&](const std::shared_ptr<InFlight>& op) {
                                   return std::find(finished.begin(), finished.end(), op.get()) !=
                                          finished.end();
                                 }),
                  active_.end());
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<InFlight>> active_;
  std::thread worker_;
  int waiters_ = 0;
  bool asleep_ = false;  // waiting on wake_
  static constexpr std::chrono::microseconds kGrace{1000};
  // Between rounds: each MPI_Test moves several fragments on, and a thread that spun would take
  // a core from the computation it is meant to overlap (measured: the MLP's 2-process epoch
  // 8% slower on 2 cores with a spinning thread).
  static constexpr std::chrono::microseconds kPollInterval{50};
  bool stopped_ = false;
};

// Initializes MPI once per process (unless the program did), checks the thread level, and
// finalizes at exit what it initialized.
void init_mpi_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    int initialized = 0;
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (!initialized) {
      check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
                "createProcessGroupMPI: MPI_Init_thread");
      ProgressThread::instance();  // made first, so that it is destroyed after this handler
      std::atexit([] {
        ProgressThread::instance().stop();
        std::lock_guard<std::mutex> guard(mpi_mutex());
        if (!mpi_finalized()) MPI_Finalize();
      });
    } else {
      NABLA_CHECK(!mpi_finalized(), "[createProcessGroupMPI] MPI has already been finalized");
      MPI_Query_thread(&provided);
    }
    NABLA_CHECK(provided >= MPI_THREAD_SERIALIZED,
                "[createProcessGroupMPI] the MPI library provides thread level {}, but nabla "
                "needs MPI_THREAD_SERIALIZED ({}) or more",
                provided, static_cast<int>(MPI_THREAD_SERIALIZED));
  });
}

MPI_Datatype mpi_type(ScalarType t) {
  switch (t) {
    case ScalarType::Byte:
      return MPI_UINT8_T;
    case ScalarType::Int:
      return MPI_INT32_T;
    case ScalarType::Long:
      return MPI_INT64_T;
    case ScalarType::Float:
      return MPI_FLOAT;
    case ScalarType::Double:
      return MPI_DOUBLE;
    case ScalarType::Bool:
      return MPI_C_BOOL;
    case ScalarType::Half:
    case ScalarType::BFloat16:
      // MPI has no 16-bit float: moved as bits (broadcast, allgather); reductions stage them
      // in float32 (allreduce, reduce_scatter).
      return MPI_UINT16_T;
  }
  NABLA_ERROR("[distributed] unsupported dtype {}", t);
}

const char* op_name(ReduceOp op) {
  static const char* names[] = {"SUM",  "AVG", "PRODUCT", "MIN",        "MAX",
                                "BAND", "BOR", "BXOR",    "PREMUL_SUM", "UNUSED"};
  return static_cast<unsigned>(op.op_) < 10 ? names[op.op_] : "?";
}

// The MPI operator for `op` on `dtype`. AVG reduces with MPI_SUM and divides afterwards. MPI
// reduces bool (MPI_C_BOOL) only with logical operators: SUM and MAX are OR, MIN and PRODUCT
// are AND.
MPI_Op mpi_op(ReduceOp op, ScalarType dtype, const char* what) {
  const bool is_bool = dtype == ScalarType::Bool;
  const bool is_float = isFloatingType(dtype);
  switch (op.op_) {
    case ReduceOp::SUM:
      return is_bool ? MPI_LOR : MPI_SUM;
    case ReduceOp::AVG:
      NABLA_CHECK(is_float, "[{}] ReduceOp::AVG needs a floating-point tensor, got {}", what,
                  dtype);
      return MPI_SUM;
    case ReduceOp::PRODUCT:
      return is_bool ? MPI_LAND : MPI_PROD;
    case ReduceOp::MIN:
      return is_bool ? MPI_LAND : MPI_MIN;
    case ReduceOp::MAX:
      return is_bool ? MPI_LOR : MPI_MAX;
    case ReduceOp::BAND:
    case ReduceOp::BOR:
    case ReduceOp::BXOR: {
      NABLA_CHECK(!is_float, "[{}] ReduceOp::{} needs an integer or bool tensor, got {}", what,
                  op_name(op), dtype);
      if (op.op_ == ReduceOp::BAND) return is_bool ? MPI_LAND : MPI_BAND;
      if (op.op_ == ReduceOp::BOR) return is_bool ? MPI_LOR : MPI_BOR;
      return is_bool ? MPI_LXOR : MPI_BXOR;
    }
    default:
      break;
  }
  NABLA_ERROR("[{}] ReduceOp::{} is not supported by the MPI process group", what, op_name(op));
}

int mpi_count(const Tensor& t, const char* what) {
  NABLA_CHECK(t.numel() <= INT_MAX,
              "[{}] a tensor of {} elements is more than one MPI call can send ({})", what,
              t.numel(), INT_MAX);
  return static_cast<int>(t.numel());
}

void check_tensor(const Tensor& t, const char* what, const char* role) {
  NABLA_CHECK(t.defined(), "[{}] the {} tensor is undefined", what, role);
  NABLA_CHECK(t.is_contiguous(), "[{}] the {} tensor (shape {}) must be contiguous", what, role,
              t.sizes());
}

const Tensor& single_tensor(const std::vector<Tensor>& tensors, const char* what) {
  NABLA_CHECK(tensors.size() == 1,
              "[{}] the MPI process group takes exactly one tensor per call, got {}", what,
              tensors.size());
  check_tensor(tensors[0], what, "input");
  return tensors[0];
}

// A collective in flight: its request, the tensors MPI reads and writes (kept alive until it
// completes) and what to do once it has (copy out of a staging buffer, divide for AVG). The
// progress thread tests the request too; `finish_` runs in the caller's thread.
class MPIWork : public Work {
 public:
  MPIWork(std::string what, std::vector<Tensor> outputs, std::vector<Tensor> buffers,
          std::chrono::milliseconds timeout, std::function<void()> finish)
      : what_(std::move(what)),
        outputs_(std::move(outputs)),
        buffers_(std::move(buffers)),
        timeout_(timeout),
        finish_(std::move(finish)),
        op_(std::make_shared<InFlight>()) {}
  ~MPIWork() override {
    // MPI may still write into our buffers: wait for it (within the timeout) before they go.
    if (completed_ || !started_) return;
    if (timed_out_) {  // a peer is gone: keep the buffers alive until exit rather than hang
      std::lock_guard<std::mutex> lock(orphans_mutex());
      orphans().push_back(std::move(buffers_));
      return;
    }
    try {
      wait(kUnsetTimeout);
    } catch (...) {  // NOLINT: a destructor must not throw; wait() reported nothing to anyone
    }
  }

  // Called under mpi_mutex() by launch(), which then hands the request to the progress thread.
  MPI_Request* request() { return &op_->request; }
  void started() {
    started_ = true;
    if (ProgressThread::enabled()) ProgressThread::instance().add(op_);
  }
  void start_failed() { completed_ = true; }

  bool isCompleted() override {
    if (completed_) return true;
    int rc = MPI_SUCCESS;
    {
      std::lock_guard<std::mutex> lock(mpi_mutex());
      if (!op_->done && mpi_finalized()) {
        error_ = std::make_exception_ptr(
            Error("[" + what_ + "] MPI was finalized before the collective completed"));
        completed_ = true;
        return true;
      }
      if (!test_in_flight(*op_)) return false;
      rc = op_->rc;
    }
    try {
      check_mpi(rc, what_.c_str());
      if (finish_) {
        NoGradGuard no_grad;
        finish_();
      }
    } catch (...) {
      error_ = std::current_exception();
    }
    completed_ = true;
    buffers_.clear();
    return true;
  }
  bool isSuccess() const override { return completed_ && !error_; }
  std::exception_ptr exception() const override { return error_; }

  bool wait(std::chrono::milliseconds timeout) override {
    if (timeout == kUnsetTimeout) timeout = timeout_;
    const auto start = std::chrono::steady_clock::now();
    // Test and yield: the waiting thread drives the transfer at full speed (a sleep between
    // tests would cost a large message one sleep per fragment), and yielding lets a peer that
    // shares this core (mpirun --oversubscribe) go on computing.
    if (isCompleted()) {
      if (error_) std::rethrow_exception(error_);
      return true;
    }
    ProgressThread& progress = ProgressThread::instance();
    progress.waiter_begins();
    struct WaiterEnds {
      ProgressThread& progress;
      MPIWork& work;
      ~WaiterEnds() { progress.waiter_ends(work.op_, work.completed_); }
    } waiter_ends{progress, *this};
    while (!isCompleted()) {
      std::this_thread::yield();
      if (timeout != kNoTimeout && std::chrono::steady_clock::now() - start > timeout) {
        timed_out_ = true;
        progress.forget(op_);
        NABLA_ERROR(
            "[{}] timed out after {} ms waiting for the other ranks: a rank may have failed or "
            "called a different collective (call abort() to stop the job)",
            what_, timeout.count());
      }
    }
    if (error_) std::rethrow_exception(error_);
    return true;
  }
  std::vector<Tensor> result() override { return outputs_; }
  void abort() override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

 private:
  std::string what_;
  std::vector<Tensor> outputs_;
  std::vector<Tensor> buffers_;
  std::chrono::milliseconds timeout_;
  std::function<void()> finish_;
  std::shared_ptr<InFlight> op_;
  bool started_ = false;
  bool completed_ = false;
  bool timed_out_ = false;
  std::exception_ptr error_;

  static std::mutex& orphans_mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::vector<Tensor>>& orphans() {
    static std::vector<std::vector<Tensor>> o;
    return o;
  }
};

}  // namespace

class ProcessGroupMPI::Impl {
 public:
  explicit Impl(MPI_Comm comm) : comm(comm) {}
  ~Impl() {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    if (comm != MPI_COMM_NULL && !mpi_finalized()) MPI_Comm_free(&comm);
  }
  // Starts a collective: `start` issues the MPI_I* call on the work's request.
  std::shared_ptr<Work> launch(const char* what, std::vector<Tensor> outputs,
                               std::vector<Tensor> buffers, std::chrono::milliseconds timeout,
                               const std::function<int(MPI_Request*)>& start,
                               std::function<void()> finish = nullptr) {
    auto work = std::make_shared<MPIWork>(what, std::move(outputs), std::move(buffers), timeout,
                                          std::move(finish));
    int rc = MPI_SUCCESS;
    {
      std::lock_guard<std::mutex> lock(mpi_mutex());
      NABLA_CHECK(!mpi_finalized(), "[{}] MPI has been finalized", what);
      rc = start(work->request());
    }
    if (rc != MPI_SUCCESS) work->start_failed();
    check_mpi(rc, what);
    work->started();
    return work;
  }

  MPI_Comm comm;
};

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::createProcessGroupMPI(std::vector<int> ranks) {
  init_mpi_once();
  std::lock_guard<std::mutex> lock(mpi_mutex());
  MPI_Comm comm = MPI_COMM_NULL;
  if (ranks.empty()) {
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "createProcessGroupMPI: MPI_Comm_dup");
  } else {
    int world = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    for (int r : ranks)
      NABLA_CHECK(r >= 0 && r < world,
                  "[createProcessGroupMPI] rank {} is not in MPI_COMM_WORLD (size {})", r, world);
    MPI_Group world_group, group;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    MPI_Group_incl(world_group, static_cast<int>(ranks.size()), ranks.data(), &group);
    const int rc = MPI_Comm_create(MPI_COMM_WORLD, group, &comm);
    MPI_Group_free(&group);
    MPI_Group_free(&world_group);
    check_mpi(rc, "createProcessGroupMPI: MPI_Comm_create");
    if (comm == MPI_COMM_NULL) return nullptr;  // this rank is not in the group
  }
  // Errors on this communicator come back as codes (then nabla::Error), not as an abort.
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int rank = 0, size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  return std::make_shared<ProcessGroupMPI>(rank, size, std::make_unique<Impl>(comm));
}

ProcessGroupMPI::ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}
ProcessGroupMPI::~ProcessGroupMPI() = default;

void ProcessGroupMPI::abort() {
  std::lock_guard<std::mutex> lock(mpi_mutex());
  MPI_Abort(impl_->comm, 1);
}

std::shared_ptr<Work> ProcessGroupMPI::broadcast(std::vector<Tensor>& tensors,
                                                 const BroadcastOptions& opts) {
  const Tensor& t = single_tensor(tensors, "broadcast");
  NABLA_CHECK(opts.rootRank >= 0 && opts.rootRank < getSize(),
              "[broadcast] rootRank {} is not a rank of this group (size {})", opts.rootRank,
              getSize());
  NABLA_CHECK(opts.rootTensor == 0, "[broadcast] rootTensor must be 0, got {}", opts.rootTensor);
  const int count = mpi_count(t, "broadcast");
  MPI_Comm comm = impl_->comm;
  return impl_->launch("broadcast", {t}, {t}, resolve(opts.timeout), [&](MPI_Request* req) {
    return MPI_Ibcast(t.data_ptr(), count, mpi_type(t.scalar_type()),
                      static_cast<int>(opts.rootRank), comm, req);
  });
}

std::shared_ptr<Work> ProcessGroupMPI::allreduce(std::vector<Tensor>& tensors,
                                                 const AllreduceOptions& opts) {
  const Tensor& t = single_tensor(tensors, "allreduce");
  const MPI_Op op = mpi_op(opts.reduceOp, t.scalar_type(), "allreduce");
  const int count = mpi_count(t, "allreduce");
  // 16-bit floats are reduced in a float32 copy (one rounding at the end), then copied back.
  const Tensor buf = isReducedFloatingType(t.scalar_type()) ? t.to(kFloat) : t;
  std::function<void()> finish = [t, buf, avg = opts.reduceOp.op_ == ReduceOp::AVG, n = getSize()] {
    if (avg) Tensor(buf).div_(n);
    if (!buf.is_same(t)) Tensor(t).copy_(buf);
  };
  MPI_Comm comm = impl_->comm;
  return impl_->launch(
      "allreduce", {t}, {t, buf}, resolve(opts.timeout),
      [&](MPI_Request* req) {
        return MPI_Iallreduce(MPI_IN_PLACE, buf.data_ptr(), count, mpi_type(buf.scalar_type()), op,
                              comm, req);
      },
      std::move(finish));
}

std::shared_ptr<Work> ProcessGroupMPI::allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                                 std::vector<Tensor>& inputTensors,
                                                 const AllgatherOptions& opts) {
  const Tensor& in = single_tensor(inputTensors, "allgather");
  NABLA_CHECK(outputTensors.size() == 1,
              "[allgather] the MPI process group takes one list of output tensors, got {}",
              outputTensors.size());
  std::vector<Tensor> outs = outputTensors[0];
  NABLA_CHECK(outs.size() == static_cast<size_t>(getSize()),
              "[allgather] expected one output tensor per rank ({}), got {}", getSize(),
              outs.size());
  for (const Tensor& o : outs) {
    NABLA_CHECK(o.defined() && o.sizes() == in.sizes() && o.scalar_type() == in.scalar_type(),
                "[allgather] every output tensor must have the input's shape {} and dtype {}, "
                "got {} {}",
                in.sizes(), in.scalar_type(), o.defined() ? o.sizes() : IntArrayRef(),
                o.defined() ? toString(o.scalar_type()) : "undefined");
  }
  const int count = mpi_count(in, "allgather");
  // Staging buffer [size * numel]: rank r's tensor lands at r * numel.
  Tensor flat = empty({getSize() * in.numel()}, TensorOptions().dtype(in.scalar_type()));
  auto finish = [flat, outs, n = in.numel()]() mutable {
    for (size_t r = 0; r < outs.size(); ++r)
      outs[r].copy_(flat.narrow(0, static_cast<int64_t>(r) * n, n).view(outs[r].sizes()));
  };
  MPI_Comm comm = impl_->comm;
  const MPI_Datatype type = mpi_type(in.scalar_type());
  return impl_->launch(
      "allgather", outs, {in, flat}, resolve(opts.timeout),
      [&](MPI_Request* req) {
        return MPI_Iallgather(in.data_ptr(), count, type, flat.data_ptr(), count, type, comm, req);
      },
      std::move(finish));
}

std::shared_ptr<Work> ProcessGroupMPI::reduce_scatter(
    std::vector<Tensor>& outputTensors, std::vector<std::vector<Tensor>>& inputTensors,
    const ReduceScatterOptions& opts) {
  NABLA_CHECK(outputTensors.size() == 1,
              "[reduce_scatter] the MPI process group takes exactly one output tensor, got {}",
              outputTensors.size());
  const Tensor& out = outputTensors[0];
  check_tensor(out, "reduce_scatter", "output");
  NABLA_CHECK(inputTensors.size() == 1 && inputTensors[0].size() == static_cast<size_t>(getSize()),
              "[reduce_scatter] expected one list of {} input tensors (one per rank)", getSize());
  std::vector<Tensor> pieces;
  for (const Tensor& in : inputTensors[0]) {
    NABLA_CHECK(in.defined() && in.sizes() == out.sizes() && in.scalar_type() == out.scalar_type(),
                "[reduce_scatter] every input tensor must have the output's shape {} and dtype "
                "{}, got {} {}",
                out.sizes(), out.scalar_type(), in.defined() ? in.sizes() : IntArrayRef(),
                in.defined() ? toString(in.scalar_type()) : "undefined");
    pieces.push_back(in.reshape({-1}));
  }
  const MPI_Op op = mpi_op(opts.reduceOp, out.scalar_type(), "reduce_scatter");
  const int count = mpi_count(out, "reduce_scatter");
  // Rank r's block of the staging buffer [size * numel] is reduced into rank r's output (16-bit
  // floats in float32: the staging buffer and a float32 output, copied back at the end).
  const bool widen = isReducedFloatingType(out.scalar_type());
  Tensor flat = cat(pieces, 0).contiguous();
  if (widen) flat = flat.to(kFloat);
  const Tensor result = widen ? empty(out.sizes(), TensorOptions().dtype(kFloat)) : out;
  std::function<void()> finish = [out, result, avg = opts.reduceOp.op_ == ReduceOp::AVG,
                                  n = getSize()] {
    if (avg) Tensor(result).div_(n);
    if (!result.is_same(out)) Tensor(out).copy_(result);
  };
  MPI_Comm comm = impl_->comm;
  return impl_->launch(
      "reduce_scatter", {out}, {out, flat, result}, resolve(opts.timeout),
      [&](MPI_Request* req) {
        return MPI_Ireduce_scatter_block(flat.data_ptr(), result.data_ptr(), count,
                                         mpi_type(result.scalar_type()), op, comm, req);
      },
      std::move(finish));
}

std::shared_ptr<Work> ProcessGroupMPI::barrier(const BarrierOptions& opts) {
  MPI_Comm comm = impl_->comm;
  return impl_->launch("barrier", {}, {}, resolve(opts.timeout),
                       [&](MPI_Request* req) { return MPI_Ibarrier(comm, req); });
}

#else  // no MPI: the same API, and a clear error where a group would be made

bool is_mpi_available() { return false; }

class ProcessGroupMPI::Impl {};

namespace {
[[noreturn]] void no_mpi(const char* what) {
  NABLA_ERROR(
      "[{}] nabla was built without MPI: install Open MPI (libopenmpi-dev) and configure with "
      "-DNABLA_MPI=ON",
      what);
}
}  // namespace

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::createProcessGroupMPI(std::vector<int>) {
  no_mpi("createProcessGroupMPI");
}
ProcessGroupMPI::ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}
ProcessGroupMPI::~ProcessGroupMPI() = default;
void ProcessGroupMPI::abort() { no_mpi("abort"); }
std::shared_ptr<Work> ProcessGroupMPI::broadcast(std::vector<Tensor>&, const BroadcastOptions&) {
  no_mpi("broadcast");
}
std::shared_ptr<Work> ProcessGroupMPI::allreduce(std::vector<Tensor>&, const AllreduceOptions&) {
  no_mpi("allreduce");
}
std::shared_ptr<Work> ProcessGroupMPI::allgather(std::vector<std::vector<Tensor>>&,
                                                 std::vector<Tensor>&, const AllgatherOptions&) {
  no_mpi("allgather");
}
std::shared_ptr<Work> ProcessGroupMPI::reduce_scatter(std::vector<Tensor>&,
                                                      std::vector<std::vector<Tensor>>&,
                                                      const ReduceScatterOptions&) {
  no_mpi("reduce_scatter");
}
std::shared_ptr<Work> ProcessGroupMPI::barrier(const BarrierOptions&) { no_mpi("barrier"); }

#endif

}  // namespace nabla::distributed
