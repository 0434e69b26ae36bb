// DistributedDataParallel's reducer: checks that every rank has the same parameters, copies
// rank 0's, and averages gradients in buckets whose allreduces start from gradient hooks.
//
// One iteration: forward (post_forward arms the hooks; with find_unused_parameters, the
// parameters the graph does not reach are marked ready at once) -> backward, where each
// parameter's hook copies its gradient (plus any .grad accumulated under no_sync) into its
// bucket slot, and the lowest-numbered buckets whose slots are all filled start their
// allreduce -> the engine's post-backward callback (finalize) fills the slots of parameters
// that got no gradient, waits for every bucket and writes the averages into .grad().
// Buckets are always started in index order, so every rank issues the same collectives in
// the same order whatever order its gradients arrive in.
#include "nabla/nn/parallel/distributed.h"

#include <chrono>
#include <string>
#include <unordered_map>

#include "autograd/function.h"
#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla::nn::parallel::detail {

namespace {
using distributed::ProcessGroup;
using distributed::Work;

void wait_all(std::vector<std::shared_ptr<Work>>& works) {
  for (auto& w : works) w->wait();
  works.clear();
}

// Per tensor: dtype, rank, sizes; compared across ranks before anything else is.
std::vector<int64_t> describe(const std::vector<Tensor>& tensors) {
  std::vector<int64_t> d;
  for (const Tensor& t : tensors) {
    d.push_back(static_cast<int64_t>(t.scalar_type()));
    d.push_back(t.dim());
    for (int64_t s : t.sizes()) d.push_back(s);
  }
  return d;
}

std::string shape_of(const std::vector<int64_t>& desc, size_t& pos) {
  const auto dtype = static_cast<ScalarType>(desc[pos]);
  const int64_t ndim = desc[pos + 1];
  std::string s = std::string(toString(dtype)) + " [";
  for (int64_t k = 0; k < ndim; ++k) s += (k ? ", " : "") + std::to_string(desc[pos + 2 + k]);
  pos += 2 + static_cast<size_t>(ndim);
  return s + "]";
}

int64_t allreduce_max(ProcessGroup& pg, int64_t value) {
  std::vector<Tensor> t{full({1}, static_cast<double>(value), TensorOptions().dtype(kLong))};
  distributed::AllreduceOptions opts;
  opts.reduceOp = distributed::ReduceOp::MAX;
  pg.allreduce(t, opts)->wait();
  return t[0].item<int64_t>();
}
}  // namespace

struct Reducer::State {
  struct Bucket {
    Tensor flat;                 // [total numel] of one dtype: the slots of its parameters
    std::vector<size_t> params;  // indexes into State::params
    size_t pending = 0;          // slots not filled yet in this iteration
    std::shared_ptr<Work> work;
  };

  std::shared_ptr<Module> module;
  std::shared_ptr<ProcessGroup> pg;
  DistributedDataParallelOptions options;
  std::vector<Tensor> params;  // those that require grad, in parameters() order
  std::vector<std::string> names;
  std::vector<Tensor> buffers;
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;  // per parameter
  std::vector<Tensor> slot;       // per parameter: its view of its bucket, shaped like it
  std::vector<unsigned> hooks;

  bool require_sync = true;
  bool armed = false;            // a forward with sync and grad mode expects a backward
  bool callback_queued = false;  // finalize() is queued on the running backward
  std::vector<char> ready;       // slot filled this iteration
  std::vector<char> used;        // got a gradient this iteration
  size_t next_bucket = 0;        // buckets [0, next_bucket) have started
  double last_wait = 0;

  void check_same_model() const;
  void broadcast_from_rank0(const std::vector<Tensor>& tensors) const;
  void build_buckets();
  void on_grad(size_t i, const Tensor& grad);
  void fill_slot(size_t i, const Tensor* incoming);
  void mark_ready(size_t i);
  void launch_ready_buckets();
  void mark_unreached(const std::vector<Tensor>& outputs);
  void finalize();
  void reset();
};

// Every rank compares its parameters and buffers with rank 0's; a difference raises
// nabla::Error on every rank (not only where it is), so that none is left waiting.
void Reducer::State::check_same_model() const {
  std::vector<Tensor> all = params;
  all.insert(all.end(), buffers.begin(), buffers.end());
  std::vector<int64_t> mine = describe(all);
  const int64_t n = static_cast<int64_t>(mine.size());
  const int64_t longest = allreduce_max(*pg, n);
  const int64_t shortest = -allreduce_max(*pg, -n);
  std::string detail;
  int64_t bad = 0;
  if (longest != shortest) {
    detail = "this rank has " + std::to_string(params.size()) + " parameters and " +
             std::to_string(buffers.size()) + " buffers";
    bad = 1;
  } else {
    std::vector<Tensor> ref{tensor(mine, TensorOptions().dtype(kLong))};
    pg->broadcast(ref)->wait();
    const int64_t* theirs = ref[0].data_ptr<int64_t>();
    size_t pos = 0;
    for (size_t i = 0; i < all.size() && !bad; ++i) {
      const size_t start = pos;
      std::vector<int64_t> rank0(theirs, theirs + n);
      size_t p0 = start;
      const std::string here = shape_of(mine, pos);
      const std::string there = shape_of(rank0, p0);
      if (here != there || pos != p0) {
        const std::string what = i < params.size() ? "parameter '" + names[i] + "'"
                                                   : "buffer " + std::to_string(i - params.size());
        detail = what + " is " + here + " here but " + there + " on rank 0";
        bad = 1;
      }
    }
  }
  std::vector<Tensor> flags{zeros({pg->getSize()}, TensorOptions().dtype(kLong))};
  flags[0][pg->getRank()].fill_(bad);
  pg->allreduce(flags)->wait();
  std::string ranks;
  for (int r = 0; r < pg->getSize(); ++r)
    if (flags[0][r].item<int64_t>()) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  NABLA_CHECK(ranks.empty(),
              "[DistributedDataParallel] the model differs between ranks: rank(s) {} do not "
              "have rank 0's parameters and buffers{}",
              ranks,
              detail.empty()
                  ? ""
                  : " (on this rank, rank " + std::to_string(pg->getRank()) + ": " + detail + ")");
}

void Reducer::State::broadcast_from_rank0(const std::vector<Tensor>& tensors) const {
  std::vector<std::shared_ptr<Work>> works;
  for (const Tensor& t : tensors) {
    if (t.numel() == 0) continue;
    std::vector<Tensor> one{t};
    works.push_back(pg->broadcast(one));
  }
  wait_all(works);
}

// Buckets in reverse parameters() order (about the order backward produces gradients), one
// dtype each, closed when the next parameter would pass bucket_cap_mb.
void Reducer::State::build_buckets() {
  const double cap_bytes = options.bucket_cap_mb() * 1024.0 * 1024.0;
  bucket_of.assign(params.size(), 0);
  slot.assign(params.size(), Tensor());
  std::vector<std::vector<size_t>> groups;
  std::vector<ScalarType> group_dtype;
  std::vector<double> group_bytes;
  std::unordered_map<int, size_t> open;  // dtype -> index of its open group
  for (size_t k = params.size(); k-- > 0;) {
    const Tensor& p = params[k];
    const int key = static_cast<int>(p.scalar_type());
    auto it = open.find(key);
    const double bytes = static_cast<double>(p.nbytes());
    if (it == open.end() ||
        (group_bytes[it->second] > 0 && group_bytes[it->second] + bytes > cap_bytes)) {
      groups.emplace_back();
      group_dtype.push_back(p.scalar_type());
      group_bytes.push_back(0);
      open[key] = groups.size() - 1;
      it = open.find(key);
    }
    groups[it->second].push_back(k);
    group_bytes[it->second] += bytes;
  }
  buckets.resize(groups.size());
  for (size_t b = 0; b < groups.size(); ++b) {
    int64_t total = 0;
    for (size_t k : groups[b]) total += params[k].numel();
    buckets[b].flat = zeros({total}, TensorOptions().dtype(group_dtype[b]));
    buckets[b].params = groups[b];
    int64_t offset = 0;
    for (size_t k : groups[b]) {
      bucket_of[k] = b;
      slot[k] = buckets[b].flat.narrow(0, offset, params[k].numel()).view(params[k].sizes());
      offset += params[k].numel();
    }
  }
}

void Reducer::State::on_grad(size_t i, const Tensor& grad) {
  if (!armed) return;  // no_sync, or a backward not preceded by our forward
  NABLA_CHECK(!ready[i],
              "[DistributedDataParallel] parameter '{}' got a second gradient in one iteration "
              "(a second backward through the same forward is not supported)",
              names[i]);
  if (!callback_queued) {
    autograd::queue_callback([this] { finalize(); });
    callback_queued = true;
  }
  used[i] = 1;
  fill_slot(i, &grad);
  mark_ready(i);
}

// Slot = this backward's gradient plus what .grad() holds already (accumulated under
// no_sync); zeros for a parameter that got nothing.
void Reducer::State::fill_slot(size_t i, const Tensor* incoming) {
  NoGradGuard no_grad;
  const Tensor& acc = params[i].grad();
  if (incoming) {
    slot[i].copy_(*incoming);
    if (acc.defined()) slot[i].add_(acc);
  } else if (acc.defined()) {
    slot[i].copy_(acc);
  } else {
    slot[i].zero_();
  }
}

void Reducer::State::mark_ready(size_t i) {
  ready[i] = 1;
  Bucket& b = buckets[bucket_of[i]];
  if (--b.pending == 0) launch_ready_buckets();
}

void Reducer::State::launch_ready_buckets() {
  while (next_bucket < buckets.size() && buckets[next_bucket].pending == 0) {
    std::vector<Tensor> one{buckets[next_bucket].flat};
    buckets[next_bucket].work = pg->allreduce(one);
    ++next_bucket;
  }
  // MPI progresses non-blocking collectives only inside MPI calls: poll the oldest ones.
  for (size_t b = 0; b < next_bucket; ++b)
    if (buckets[b].work && !buckets[b].work->isCompleted()) break;
}

// Marks ready, at forward time, the parameters the outputs' graph does not reach.
void Reducer::State::mark_unreached(const std::vector<Tensor>& outputs) {
  std::unordered_map<const TensorImpl*, size_t> index;
  for (size_t i = 0; i < params.size(); ++i) index[params[i].impl().get()] = i;
  std::vector<char> reached(params.size(), 0);
  std::vector<autograd::Node*> stack;
  std::unordered_map<autograd::Node*, char> seen;
  for (const Tensor& t : outputs) {
    if (!t.defined() || !t.requires_grad()) continue;
    if (t.grad_fn()) {
      stack.push_back(t.grad_fn().get());
    } else if (auto it = index.find(t.impl().get()); it != index.end()) {
      reached[it->second] = 1;  // a parameter returned as is
    }
  }
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    if (!seen.emplace(n, 1).second) continue;
    if (auto* acc = dynamic_cast<autograd::AccumulateGrad*>(n)) {
      if (auto it = index.find(acc->leaf().get()); it != index.end()) reached[it->second] = 1;
    }
    for (const autograd::Edge& e : n->next_edges())
      if (e.function) stack.push_back(e.function.get());
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (reached[i]) continue;
    fill_slot(i, nullptr);
    mark_ready(i);
  }
}

void Reducer::State::finalize() {
  callback_queued = false;
  armed = false;
  std::string missing;
  for (size_t i = 0; i < params.size(); ++i) {
    if (ready[i]) continue;
    if (!options.find_unused_parameters())
      missing += (missing.empty() ? "'" : ", '") + names[i] + "'";
    fill_slot(i, nullptr);
    mark_ready(i);
  }
  const auto start = std::chrono::steady_clock::now();
  for (Bucket& b : buckets) {
    b.work->wait();
    b.work.reset();
  }
  last_wait = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // With find_unused_parameters, a parameter no rank used keeps its .grad() as it was.
  std::vector<char> used_anywhere(params.size(), 1);
  if (options.find_unused_parameters()) {
    std::vector<Tensor> map{
        tensor(std::vector<int64_t>(used.begin(), used.end()), TensorOptions().dtype(kLong))};
    distributed::AllreduceOptions opts;
    opts.reduceOp = distributed::ReduceOp::MAX;
    pg->allreduce(map, opts)->wait();
    for (size_t i = 0; i < params.size(); ++i)
      used_anywhere[i] = map[0][static_cast<int64_t>(i)].item<int64_t>() != 0;
  }
  {
    NoGradGuard no_grad;
    const int world = pg->getSize();
    for (Bucket& b : buckets) b.flat.div_(world);
    for (size_t i = 0; i < params.size(); ++i) {
      if (!used_anywhere[i]) continue;
      Tensor& g = params[i].mutable_grad();
      if (g.defined() && !g.requires_grad()) {
        g.copy_(slot[i]);
      } else {
        g = slot[i].clone();
      }
    }
  }
  reset();
  NABLA_CHECK(missing.empty(),
              "[DistributedDataParallel] parameters {} got no gradient in this iteration on rank "
              "{}: pass DistributedDataParallelOptions().find_unused_parameters(true) if the "
              "model does not use all of its parameters in every forward",
              missing, pg->getRank());
}

void Reducer::State::reset() {
  for (Bucket& b : buckets) {
    b.pending = b.params.size();
    if (b.work) {  // started by a forward whose backward never ran: finish it on every rank
      b.work->wait();
      b.work.reset();
    }
  }
  std::fill(ready.begin(), ready.end(), 0);
  std::fill(used.begin(), used.end(), 0);
  next_bucket = 0;
}

Reducer::Reducer(std::shared_ptr<Module> module, std::shared_ptr<distributed::ProcessGroup> pg,
                 DistributedDataParallelOptions options)
    : state_(std::make_unique<State>()) {
  NABLA_CHECK(module != nullptr, "[DistributedDataParallel] the module is empty");
  NABLA_CHECK(pg != nullptr, "[DistributedDataParallel] the process group is null");
  NABLA_CHECK(options.bucket_cap_mb() > 0,
              "[DistributedDataParallel] bucket_cap_mb must be positive, got {}",
              options.bucket_cap_mb());
  State& s = *state_;
  s.module = std::move(module);
  s.pg = std::move(pg);
  s.options = options;
  for (const auto& item : s.module->named_parameters()) {
    if (!item.value().requires_grad()) continue;
    NABLA_CHECK(item.value().is_contiguous(),
                "[DistributedDataParallel] parameter '{}' is not contiguous", item.key());
    s.params.push_back(item.value());
    s.names.push_back(item.key());
  }
  s.buffers = s.module->buffers();
  s.check_same_model();
  {
    NoGradGuard no_grad;
    std::vector<Tensor> all = s.params;
    all.insert(all.end(), s.buffers.begin(), s.buffers.end());
    s.broadcast_from_rank0(all);
  }
  s.build_buckets();
  s.ready.assign(s.params.size(), 0);
  s.used.assign(s.params.size(), 0);
  s.reset();
  State* raw = state_.get();
  for (size_t i = 0; i < s.params.size(); ++i) {
    s.hooks.push_back(s.params[i].register_hook([raw, i](const Tensor& grad) {
      raw->on_grad(i, grad);
      return Tensor();
    }));
  }
}

Reducer::~Reducer() {
  State& s = *state_;
  for (size_t i = 0; i < s.params.size(); ++i) {
    try {
      s.params[i].remove_hook(s.hooks[i]);
    } catch (const Error&) {  // NOLINT: the parameter's hooks were cleared elsewhere
    }
  }
}

void Reducer::pre_forward() {
  State& s = *state_;
  if (s.armed && !s.callback_queued) s.reset();  // the last forward had no backward
  s.armed = false;
  if (s.options.broadcast_buffers() && !s.buffers.empty()) {
    NoGradGuard no_grad;
    s.broadcast_from_rank0(s.buffers);
  }
}

void Reducer::post_forward(const std::vector<Tensor>& outputs) {
  State& s = *state_;
  if (!s.require_sync || !GradMode::is_enabled()) return;
  s.armed = true;
  if (s.options.find_unused_parameters()) s.mark_unreached(outputs);
}

void Reducer::set_require_sync(bool on) { state_->require_sync = on; }
bool Reducer::require_sync() const { return state_->require_sync; }

std::vector<int64_t> Reducer::bucket_sizes() const {
  std::vector<int64_t> sizes;
  for (const auto& b : state_->buckets) sizes.push_back(b.flat.numel());
  return sizes;
}

double Reducer::last_wait_seconds() const { return state_->last_wait; }

}  // namespace nabla::nn::parallel::detail
