// DistributedDataParallel: data-parallel training over a process group, as PyTorch's
// torch.nn.parallel.DistributedDataParallel. Every rank runs the same model on its own shard
// of the batch; backward averages the gradients over the ranks, so that an optimizer step
// gives every rank the same parameters.
//
//   auto pg = nabla::distributed::ProcessGroupMPI::createProcessGroupMPI();
//   nabla::nn::Sequential model(...);
//   nabla::nn::parallel::DistributedDataParallel ddp(model, pg);  // rank 0's weights everywhere
//   nabla::optim::Adam opt(model->parameters());
//   auto loss = F::cross_entropy(ddp(x), y);  // x: this rank's part of the batch
//   opt.zero_grad(); loss.backward(); opt.step();
//
// Gradients are packed into buckets (bucket_cap_mb, 25 MB by default, in reverse order of
// parameters(), as gradients arrive), and a bucket's non-blocking allreduce starts from the
// gradient hooks as soon as its last gradient is in, so it overlaps the rest of backward; the
// end of backward (a post-backward callback of the engine) waits for them and writes the
// averages into .grad(). Buckets are reduced in the same order on every rank.
//   { auto guard = ddp.no_sync(); F::mse_loss(ddp(x1), y1).backward(); }  // accumulate only
//   F::mse_loss(ddp(x2), y2).backward();  // reduces the sum of both gradients
// Parameters that get no gradient in an iteration need find_unused_parameters(true) (the
// graph is searched after forward, and their buckets go without waiting for them); without it
// backward raises nabla::Error naming them, on the rank that missed them, after completing the
// reduction so that the other ranks are not left waiting.
#pragma once

#include "nabla/arg.h"

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/distributed/process_group.h"
#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {
namespace parallel {

struct DistributedDataParallelOptions {
  /// Maximum size of a gradient bucket in MiB (PyTorch's bucket_cap_mb).
  NABLA_ARG(double, bucket_cap_mb) = 25;
  /// Search the autograd graph after each forward for parameters it does not reach.
  NABLA_ARG(bool, find_unused_parameters) = false;
  /// Copy rank 0's buffers to every rank at the start of each forward.
  NABLA_ARG(bool, broadcast_buffers) = true;
};

namespace detail {
/// The type-independent part: parameter check and broadcast, buckets, hooks, allreduces.
class Reducer {
 public:
  Reducer(std::shared_ptr<Module> module, std::shared_ptr<distributed::ProcessGroup> pg,
          DistributedDataParallelOptions options);
  ~Reducer();
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  void pre_forward();
  /// After forward: arms the gradient hooks for the coming backward (when grad mode is on).
  void post_forward(const std::vector<Tensor>& outputs);
  void set_require_sync(bool on);
  bool require_sync() const;
  /// Buckets' sizes in elements, in reduction order (for tests and benchmarks).
  std::vector<int64_t> bucket_sizes() const;
  /// Seconds spent in the last backward waiting for allreduces after the graph finished.
  double last_wait_seconds() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

inline void collect_tensors(const Tensor& t, std::vector<Tensor>& out) { out.push_back(t); }
inline void collect_tensors(const std::vector<Tensor>& ts, std::vector<Tensor>& out) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <class... T>
void collect_tensors(const std::tuple<T...>& t, std::vector<Tensor>& out) {
  std::apply([&](const auto&... e) { (collect_tensors(e, out), ...); }, t);
}
template <class A, class B>
void collect_tensors(const std::pair<A, B>& p, std::vector<Tensor>& out) {
  collect_tensors(p.first, out);
  collect_tensors(p.second, out);
}
template <class T>
void collect_tensors(const T&, std::vector<Tensor>&) {}  // other outputs: nothing to search

template <class M>
std::shared_ptr<Module> module_ptr(const ModuleHolder<M>& holder) {
  return holder.ptr();
}
template <class M>
std::shared_ptr<Module> module_ptr(const std::shared_ptr<M>& module) {
  return module;
}
}  // namespace detail

/// Wraps `module` (a module holder such as nn::Sequential, or a std::shared_ptr to a module):
/// forward() calls the module's forward, and the following backward averages its gradients
/// over `process_group`. Construction is collective: every rank must construct it, and the
/// ranks' models must have the same parameters (names aside), else nabla::Error on all ranks.
template <class ModuleType>
class DistributedDataParallel : public Module {
 public:
  DistributedDataParallel(ModuleType module,
                          std::shared_ptr<distributed::ProcessGroup> process_group,
                          DistributedDataParallelOptions options = {})
      : Module("DistributedDataParallel"),
        module_(std::move(module)),
        reducer_(std::make_unique<detail::Reducer>(detail::module_ptr(module_),
                                                   std::move(process_group), options)) {
    register_module("module", detail::module_ptr(module_));
  }

  template <class... Args>
  auto forward(Args&&... args) {
    reducer_->pre_forward();
    auto output = module_->forward(std::forward<Args>(args)...);
    std::vector<Tensor> tensors;
    detail::collect_tensors(output, tensors);
    reducer_->post_forward(tensors);
    return output;
  }
  template <class... Args>
  auto operator()(Args&&... args) {
    return forward(std::forward<Args>(args)...);
  }

  /// The wrapped module (PyTorch's ddp.module).
  ModuleType& module() { return module_; }
  const ModuleType& module() const { return module_; }

  /// While the returned guard lives, backward accumulates gradients locally without reducing
  /// them; the first backward after it reduces the accumulated sum (PyTorch's no_sync()).
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(detail::Reducer* r) : reducer_(r), previous_(r->require_sync()) {
      reducer_->set_require_sync(false);
    }
    ~NoSyncGuard() {
      if (reducer_) reducer_->set_require_sync(previous_);
    }
    NoSyncGuard(NoSyncGuard&& other) noexcept
        : reducer_(std::exchange(other.reducer_, nullptr)), previous_(other.previous_) {}
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(NoSyncGuard&&) = delete;

   private:
    detail::Reducer* reducer_;
    bool previous_;
  };
  NoSyncGuard no_sync() { return NoSyncGuard(reducer_.get()); }

  detail::Reducer& reducer() { return *reducer_; }

 private:
  ModuleType module_;
  std::shared_ptr<detail::Reducer> reducer_;
};

}  // namespace parallel
}  // namespace nn
}  // namespace nabla
