// Optimizer base: param groups, zero_grad, and state_dict / load_state_dict.
#include "nabla/optim/optimizer.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <typeinfo>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla::optim {

OptimizerOptions& OptimizerParamGroup::options() {
  NABLA_CHECK(options_ != nullptr, "[optim] this param group has no options");
  return *options_;
}
const OptimizerOptions& OptimizerParamGroup::options() const {
  NABLA_CHECK(options_ != nullptr, "[optim] this param group has no options");
  return *options_;
}

// ---- construction and groups -----------------------------------------------------------

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  NABLA_CHECK(defaults_ != nullptr, "[optim] the optimizer needs default options");
  NABLA_CHECK(!param_groups.empty(), "[optim] optimizer got an empty parameter list");
  defaults_->validate();
  for (const auto& group : param_groups) add_param_group(group);
}

Optimizer::Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults)
    : Optimizer(parameters.empty()
                    ? std::vector<OptimizerParamGroup>{}
                    : std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(parameters))},
                std::move(defaults)) {}

Optimizer::~Optimizer() = default;

namespace {
// New parameters must be defined floating point leaves that no group holds yet.
void check_new_params(const std::vector<OptimizerParamGroup>& groups,
                      const std::vector<Tensor>& params) {
  std::set<const void*> seen;
  for (const auto& group : groups)
    for (const auto& p : group.params()) seen.insert(p.unsafeGetTensorImpl());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    NABLA_CHECK(p.defined(), "[optim] new parameter {} is an undefined tensor", i);
    NABLA_CHECK(p.is_floating_point(),
                "[optim] can only optimize floating point tensors, but new parameter {} is {}", i,
                p.scalar_type());
    NABLA_CHECK(p.is_leaf(),
                "[optim] can't optimize a non-leaf tensor (new parameter {}); pass a leaf, e.g. "
                "t.detach().requires_grad_()",
                i);
    NABLA_CHECK(seen.insert(p.unsafeGetTensorImpl()).second,
                "[optim] new parameter {} appears more than once among the optimizer's "
                "parameter groups",
                i);
  }
}
}  // namespace

void Optimizer::add_param_group(const OptimizerParamGroup& param_group) {
  check_new_params(param_groups_, param_group.params());
  std::unique_ptr<OptimizerOptions> options =
      param_group.has_options() ? param_group.options().clone() : defaults_->clone();
  // References first: typeid of `*defaults_` (a call) makes clang warn of side effects.
  const OptimizerOptions &given = *options, &defaults = *defaults_;
  NABLA_CHECK(typeid(given) == typeid(defaults),
              "[optim] the group's options are of another optimizer's kind");
  options->validate();
  param_groups_.emplace_back(param_group.params(), std::move(options));
}

void Optimizer::add_parameters(const std::vector<Tensor>& parameters) {
  NABLA_CHECK(!param_groups_.empty(), "[optim] the optimizer has no param group to add to");
  check_new_params(param_groups_, parameters);
  auto& first = param_groups_.front().params();
  first.insert(first.end(), parameters.begin(), parameters.end());
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    for (auto& p : group.params()) {
      Tensor& g = p.mutable_grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        g = Tensor();
        continue;
      }
      // A gradient made with create_graph keeps history; cut it before zeroing in place.
      if (g.grad_fn()) {
        g.detach_();
      } else {
        g.requires_grad_(false);
      }
      g.zero_();
    }
  }
}

const std::vector<Tensor>& Optimizer::parameters() const noexcept {
  return param_groups_.at(0).params();
}
std::vector<Tensor>& Optimizer::parameters() noexcept { return param_groups_.at(0).params(); }

size_t Optimizer::size() const noexcept {
  size_t n = 0;
  for (const auto& group : param_groups_) n += group.params().size();
  return n;
}

Tensor Optimizer::run_closure(const LossClosure& closure) {
  if (!closure) return Tensor();
  AutoGradMode enable_grad(true);
  return closure();
}

// ---- state_dict ------------------------------------------------------------------------

namespace {

Tensor scalar_tensor(const Scalar& v, ScalarType dtype) {
  return nabla::full({}, v, TensorOptions().dtype(dtype));
}

// Appends each field as a tensor named prefix + field name.
class SaveVisitor : public FieldVisitor {
 public:
  SaveVisitor(NamedTensors& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}
  void field(const char* name, double& v) override { add(name, scalar_tensor(v, kDouble)); }
  void field(const char* name, int64_t& v) override { add(name, scalar_tensor(v, kLong)); }
  void field(const char* name, bool& v) override { add(name, scalar_tensor(v, kBool)); }
  void field(const char* name, std::tuple<double, double>& v) override {
    add(name, nabla::tensor({std::get<0>(v), std::get<1>(v)}, TensorOptions().dtype(kDouble)));
  }
  void field(const char* name, Tensor& v) override {
    if (v.defined()) add(name, v.detach().clone());
  }

 private:
  void add(const char* name, Tensor t) { out_.emplace_back(prefix_ + name, std::move(t)); }
  NamedTensors& out_;
  std::string prefix_;
};

using EntryMap = std::map<std::string, Tensor>;

// Reads each field from the entries named prefix + field name, checking presence, shape and
// dtype; marks the entries it used. `param` is set for a parameter's state: tensor fields
// must then have its shape and are converted to its dtype.
class LoadVisitor : public FieldVisitor {
 public:
  LoadVisitor(const EntryMap& entries, std::set<std::string>& used, std::string prefix,
              const Tensor* param)
      : entries_(entries), used_(used), prefix_(std::move(prefix)), param_(param) {}

  void field(const char* name, double& v) override {
    const Tensor& t = scalar(name, "a number");
    NABLA_CHECK(t.scalar_type() != kBool,
                "[load_state_dict] entry '{}{}' should be a number, got {}", prefix_, name,
                t.scalar_type());
    v = t.item<double>();
  }
  void field(const char* name, int64_t& v) override {
    const Tensor& t = scalar(name, "an integer");
    NABLA_CHECK(isIntegralType(t.scalar_type(), false),
                "[load_state_dict] entry '{}{}' should be an integer tensor, got {}", prefix_, name,
                t.scalar_type());
    v = t.item<int64_t>();
    // A step count is >= 0, and the next step adds 1 to it (INT64_MAX would overflow there).
    NABLA_CHECK(std::string_view(name) != "step" || (v >= 0 && v < INT64_MAX),
                "[load_state_dict] entry '{}{}' should be a step count in [0, 2^63 - 1), got {}",
                prefix_, name, v);
  }
  void field(const char* name, bool& v) override {
    const Tensor& t = scalar(name, "a bool");
    NABLA_CHECK(t.scalar_type() == kBool, "[load_state_dict] entry '{}{}' should be bool, got {}",
                prefix_, name, t.scalar_type());
    v = t.item<bool>();
  }
  void field(const char* name, std::tuple<double, double>& v) override {
    const Tensor& t = required(name);
    NABLA_CHECK(t.dim() == 1 && t.size(0) == 2 && t.is_floating_point(),
                "[load_state_dict] entry '{}{}' should be a floating point tensor of shape [2], "
                "got {} of shape {}",
                prefix_, name, t.scalar_type(), t.sizes());
    Tensor d = t.to(kDouble);
    v = std::make_tuple(d[0].item<double>(), d[1].item<double>());
  }
  void field(const char* name, Tensor& v) override {
    const Tensor* t = find(name);
    if (t == nullptr) {
      v = Tensor();
      return;
    }
    NABLA_CHECK(param_ != nullptr, "[load_state_dict] unexpected tensor entry '{}{}'", prefix_,
                name);
    NABLA_CHECK(t->sizes() == param_->sizes(),
                "[load_state_dict] entry '{}{}' has shape {} but its parameter has shape {}",
                prefix_, name, t->sizes(), param_->sizes());
    NABLA_CHECK(t->is_floating_point(),
                "[load_state_dict] entry '{}{}' should be floating point, got {}", prefix_, name,
                t->scalar_type());
    v = t->detach().to(param_->scalar_type(), false, /*copy=*/true).contiguous();
    check_values(name, v);
  }
  void any_shape_field(const char* name, Tensor& v) override {
    const Tensor* t = find(name);
    if (t == nullptr) {
      v = Tensor();
      return;
    }
    NABLA_CHECK(t->is_floating_point(),
                "[load_state_dict] entry '{}{}' should be floating point, got {}", prefix_, name,
                t->scalar_type());
    const ScalarType dtype = param_ != nullptr ? param_->scalar_type() : t->scalar_type();
    v = t->detach().to(dtype, false, /*copy=*/true).contiguous();
    check_values(name, v);
  }

 private:
  // Optimizer state is multiplied into the weights: a NaN, an infinity or a negative sum of
  // squares (Adam's exp_avg_sq, whose square root is taken) would turn them to NaN at the next
  // step. Second-moment fields of every optimizer here are sums of squares, hence >= 0.
  void check_values(const char* name, const Tensor& v) const {
    if (v.numel() == 0) return;
    NABLA_CHECK(v.abs().lt(std::numeric_limits<double>::infinity()).all().item<bool>(),
                "[load_state_dict] entry '{}{}' holds NaN or infinite values", prefix_, name);
    static constexpr std::string_view kSquares[] = {"exp_avg_sq", "max_exp_avg_sq", "square_avg",
                                                    "sum"};
    if (std::find(std::begin(kSquares), std::end(kSquares), name) == std::end(kSquares)) return;
    NABLA_CHECK(v.ge(0).all().item<bool>(),
                "[load_state_dict] entry '{}{}' is a sum of squares but holds negative values",
                prefix_, name);
  }

  const Tensor* find(const char* name) {
    auto it = entries_.find(prefix_ + name);
    if (it == entries_.end()) return nullptr;
    used_.insert(it->first);
    return &it->second;
  }
  const Tensor& required(const char* name) {
    const Tensor* t = find(name);
    NABLA_CHECK(t != nullptr, "[load_state_dict] missing entry '{}{}'", prefix_, name);
    return *t;
  }
  const Tensor& scalar(const char* name, const char* what) {
    const Tensor& t = required(name);
    NABLA_CHECK(t.dim() == 0,
                "[load_state_dict] entry '{}{}' should be {} (a 0-d tensor), got shape {}", prefix_,
                name, what, t.sizes());
    return t;
  }

  const EntryMap& entries_;
  std::set<std::string>& used_;
  std::string prefix_;
  const Tensor* param_;
};

bool has_prefix(const EntryMap& entries, const std::string& prefix) {
  auto it = entries.lower_bound(prefix);
  return it != entries.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// The indices "param_groups.<g>.params" must list: first, first + 1, ..., first + n - 1.
void check_group_params(const EntryMap& entries, std::set<std::string>& used, size_t g,
                        int64_t first, int64_t n) {
  const std::string name = fmt::format("param_groups.{}.params", g);
  auto it = entries.find(name);
  NABLA_CHECK(it != entries.end(), "[load_state_dict] missing entry '{}'", name);
  used.insert(name);
  const Tensor& t = it->second;
  NABLA_CHECK(t.dim() == 1 && isIntegralType(t.scalar_type(), false),
              "[load_state_dict] entry '{}' should be a 1-d integer tensor, got {} of shape {}",
              name, t.scalar_type(), t.sizes());
  NABLA_CHECK(t.size(0) == n,
              "[load_state_dict] param group {} of the loaded state has {} parameters but the "
              "optimizer's group has {}",
              g, t.size(0), n);
  Tensor idx = t.to(kLong).contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    NABLA_CHECK(p[i] == first + i,
                "[load_state_dict] entry '{}' lists parameter {} at position {}, expected {}", name,
                p[i], i, first + i);
  }
}

}  // namespace

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  int64_t index = 0;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& group = param_groups_[g];
    const auto n = static_cast<int64_t>(group.params().size());
    out.emplace_back(fmt::format("param_groups.{}.params", g),
                     nabla::arange(index, index + n, TensorOptions().dtype(kLong)));
    index += n;
    SaveVisitor v(out, fmt::format("param_groups.{}.", g));
    const_cast<OptimizerOptions&>(group.options()).visit_fields(v);
  }
  index = 0;
  for (const auto& group : param_groups_) {
    for (const auto& p : group.params()) {
      auto it = state_.find(p.unsafeGetTensorImpl());
      if (it != state_.end() && it->second) {
        SaveVisitor v(out, fmt::format("state.{}.", index));
        it->second->visit_fields(v);
      }
      ++index;
    }
  }
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& state_dict) {
  EntryMap entries;
  for (const auto& [name, t] : state_dict) {
    NABLA_CHECK(t.defined(), "[load_state_dict] entry '{}' is an undefined tensor", name);
    NABLA_CHECK(entries.emplace(name, t).second, "[load_state_dict] duplicate entry '{}'", name);
  }
  std::set<std::string> used;
  const size_t groups = param_groups_.size();
  NABLA_CHECK(!has_prefix(entries, fmt::format("param_groups.{}.", groups)),
              "[load_state_dict] the loaded state has more parameter groups than the "
              "optimizer's {}",
              groups);

  // Build everything first, so that a bad entry leaves the optimizer untouched.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::unordered_map<void*, std::unique_ptr<OptimizerParamState>> state;
  int64_t index = 0;
  for (size_t g = 0; g < groups; ++g) {
    const auto& group = param_groups_[g];
    const auto n = static_cast<int64_t>(group.params().size());
    check_group_params(entries, used, g, index, n);
    options.push_back(group.options().clone());
    LoadVisitor v(entries, used, fmt::format("param_groups.{}.", g), nullptr);
    options.back()->visit_fields(v);
    options.back()->validate();
    for (const auto& p : group.params()) {
      const std::string prefix = fmt::format("state.{}.", index++);
      if (!has_prefix(entries, prefix)) continue;
      std::unique_ptr<OptimizerParamState> s = make_state();
      LoadVisitor sv(entries, used, prefix, &p);
      s->visit_fields(sv);
      state.emplace(p.unsafeGetTensorImpl(), std::move(s));
    }
  }
  for (const auto& entry : entries) {
    NABLA_CHECK(used.count(entry.first) != 0,
                "[load_state_dict] unexpected entry '{}' (the optimizer has {} parameter groups "
                "and {} parameters)",
                entry.first, groups, index);
  }
  for (size_t g = 0; g < groups; ++g) param_groups_[g].set_options(std::move(options[g]));
  state_ = std::move(state);
}

}  // namespace nabla::optim
