// nn::Module, ModuleHolder, NABLA_MODULE and Cloneable: LibTorch's module system.
//
//   struct NetImpl : nabla::nn::Module {
//     NetImpl() {
//       fc1 = register_module("fc1", nabla::nn::Linear(784, 64));
//       fc2 = register_module("fc2", nabla::nn::Linear(64, 10));
//     }
//     nabla::Tensor forward(nabla::Tensor x) { return fc2(nabla::relu(fc1(x))); }
//     nabla::nn::Linear fc1{nullptr}, fc2{nullptr};
//   };
//   NABLA_MODULE(Net);  // Net holds a std::shared_ptr<NetImpl>: net->parameters(), net(x)
#pragma once

#include "nabla/arg.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/autograd.h"
#include "nabla/nn/ordered_dict.h"
#include "nabla/tensor.h"

namespace nabla::serialize {
class OutputArchive;
class InputArchive;
}  // namespace nabla::serialize

namespace nabla::nn {

template <class Contained>
class ModuleHolder;

namespace detail {
/// Makes `dst` (same handle, same autograd leaf) hold `src`'s data, dtype and device, as
/// LibTorch's Tensor::set_data. Module::to() and clone() use it so that references to
/// parameters stay valid.
void set_data(const Tensor& dst, const Tensor& src);
/// "NetImpl" for a NetImpl object (the demangled dynamic type).
std::string demangle_type_name(const char* mangled);
}  // namespace detail

/// Base class of every layer and model: owns parameters, buffers and submodules by name.
/// Modules live in std::shared_ptr (ModuleHolder does that for you).
class Module : public std::enable_shared_from_this<Module> {
 public:
  using ModuleApplyFunction = std::function<void(Module&)>;
  using ConstModuleApplyFunction = std::function<void(const Module&)>;
  using NamedModuleApplyFunction = std::function<void(const std::string&, Module&)>;
  using ConstNamedModuleApplyFunction = std::function<void(const std::string&, const Module&)>;
  using ModulePointerApplyFunction = std::function<void(const std::shared_ptr<Module>&)>;
  using NamedModulePointerApplyFunction =
      std::function<void(const std::string&, const std::shared_ptr<Module>&)>;

  /// `name` is what name() and the default pretty_print show; by default the class name.
  explicit Module(std::string name);
  Module();
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;
  virtual ~Module() = default;

  const std::string& name() const noexcept;

  /// A deep copy (parameters and buffers copied). Implemented by Cloneable<Derived>.
  virtual std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;

  // ---- visiting the module tree (pre-order: a module, then its children in order) ----
  void apply(const ModuleApplyFunction& function);
  void apply(const ConstModuleApplyFunction& function) const;
  void apply(const NamedModuleApplyFunction& function, const std::string& name_prefix = {});
  void apply(const ConstNamedModuleApplyFunction& function,
             const std::string& name_prefix = {}) const;
  void apply(const ModulePointerApplyFunction& function) const;
  void apply(const NamedModulePointerApplyFunction& function,
             const std::string& name_prefix = {}) const;

  // ---- parameters, buffers, submodules -----------------------------------------------
  /// Defined parameters of this module and (with recurse) of all its submodules.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// As parameters(), keyed by dotted path: "fc1.weight".
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  /// This module (unless include_self is false) and all its descendants, pre-order.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(
      const std::string& name_prefix = std::string(), bool include_self = true) const;
  /// Direct submodules only.
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_children() const;

  // ---- modes and conversion -----------------------------------------------------------
  /// Sets training mode on this module and all its descendants.
  virtual void train(bool on = true);
  void eval() { train(false); }
  virtual bool is_training() const noexcept { return is_training_; }
  /// Converts parameters and buffers in place (the tensor handles stay the same).
  virtual void to(Device device, ScalarType dtype, bool non_blocking = false);
  virtual void to(ScalarType dtype, bool non_blocking = false);
  virtual void to(Device device, bool non_blocking = false);
  /// Resets gradients of all parameters: to undefined (set_to_none) or to zeros.
  virtual void zero_grad(bool set_to_none = true);

  /// This module as a `ModuleType` (a Module subclass or a holder), or nullptr.
  template <class ModuleType>
  auto as() noexcept {
    if constexpr (std::is_base_of_v<Module, ModuleType>) {
      return dynamic_cast<ModuleType*>(this);
    } else {
      return dynamic_cast<typename ModuleType::ContainedType*>(this);
    }
  }
  template <class ModuleType>
  auto as() const noexcept {
    if constexpr (std::is_base_of_v<Module, ModuleType>) {
      return dynamic_cast<const ModuleType*>(this);
    } else {
      return dynamic_cast<const typename ModuleType::ContainedType*>(this);
    }
  }

  /// One line describing this module, without its children ("nabla::nn::Linear(...)").
  virtual void pretty_print(std::ostream& stream) const;
  virtual bool is_serializable() const { return true; }
  /// Writes this module's parameters and buffers, and each serializable child's into a nested
  /// archive under its name ("fc1.weight"), as LibTorch (nabla/serialize/archive.h).
  virtual void save(serialize::OutputArchive& archive) const;
  /// Reads what save() wrote into the parameters and buffers, in place (their handles stay);
  /// a missing name or a different shape raises nabla::Error naming the dotted key.
  virtual void load(serialize::InputArchive& archive);

  /// Registers `tensor` as a parameter (sets its requires_grad). Names must be unique and
  /// contain no dot. An undefined tensor is allowed (e.g. a Linear without bias) and skipped
  /// by parameters().
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers state that is not trained (running statistics, ...).
  Tensor& register_buffer(std::string name, Tensor tensor);
  /// Registers a submodule and returns it.
  template <class ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              std::shared_ptr<ModuleType> module) {
    check_module_name(name, module != nullptr);
    children_.insert(std::move(name), module);
    return module;
  }
  template <class ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              ModuleHolder<ModuleType> module_holder) {
    return register_module(std::move(name), module_holder.ptr());
  }
  /// Replaces an existing submodule (the caller updates any member that held the old one).
  template <class ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             std::shared_ptr<ModuleType> module) {
    check_module_name(name, module != nullptr);
    children_.at(name) = module;
    return module;
  }
  template <class ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             ModuleHolder<ModuleType> module_holder) {
    return replace_module(name, module_holder.ptr());
  }
  void unregister_module(const std::string& name);

  // ---- forward hooks: a nabla extra with PyTorch's names (LibTorch has none) -------------
  // They run when the module is called through its holder (`fc1(x)`) or as an entry of a
  // Sequential; calling `fc1->forward(x)` directly skips them, as `module.forward(x)` does in
  // PyTorch. Hooks see the tensors among the arguments and results (a Tensor, a
  // std::vector<Tensor> or a std::tuple of them); they observe, they cannot replace them.
  using ForwardPreHook = std::function<void(Module& module, const std::vector<Tensor>& inputs)>;
  using ForwardHook = std::function<void(Module& module, const std::vector<Tensor>& inputs,
                                         const std::vector<Tensor>& outputs)>;
  /// Registers a hook run before forward; returns a handle for remove_hook.
  uint64_t register_forward_pre_hook(ForwardPreHook hook);
  /// Registers a hook run after forward; returns a handle for remove_hook.
  uint64_t register_forward_hook(ForwardHook hook);
  /// Removes the hook registered under `handle` (a handle not registered here is ignored).
  void remove_hook(uint64_t handle);
  bool has_forward_hooks() const noexcept {
    return !forward_pre_hooks_.empty() || !forward_hooks_.empty();
  }
  void run_forward_pre_hooks(const std::vector<Tensor>& inputs);
  void run_forward_hooks(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs);

 private:
  template <class Derived>
  friend class Cloneable;
  friend std::ostream& operator<<(std::ostream& stream, const Module& module);

  void check_module_name(const std::string& name, bool defined) const;
  void pretty_print_recursive(std::ostream& stream, const std::string& indentation) const;
  void apply_to_submodules(const NamedModulePointerApplyFunction& function,
                           const std::string& name_prefix = std::string()) const;
  std::shared_ptr<Module> shared_from_this_checked() const;
  /// Used by Cloneable: makes this module a deep copy of `other`.
  virtual void clone_(Module& other, const std::optional<Device>& device);
  void convert(const std::function<Tensor(const Tensor&)>& fn);

  OrderedDict<std::string, Tensor> parameters_{"Parameter"};
  OrderedDict<std::string, Tensor> buffers_{"Buffer"};
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"Submodule"};
  mutable std::optional<std::string> name_;
  bool is_training_ = true;
  std::vector<std::pair<uint64_t, ForwardPreHook>> forward_pre_hooks_;
  std::vector<std::pair<uint64_t, ForwardHook>> forward_hooks_;
};

namespace detail {
// The tensors among a forward's arguments or results, for hooks.
inline void collect_tensors(std::vector<Tensor>& out, const Tensor& t) { out.push_back(t); }
inline void collect_tensors(std::vector<Tensor>& out, const std::vector<Tensor>& ts) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <class... Ts>
void collect_tensors(std::vector<Tensor>& out, const std::tuple<Ts...>& t);
template <class T>
void collect_tensors(std::vector<Tensor>&, const T&) {}
template <class... Ts>
void collect_tensors(std::vector<Tensor>& out, const std::tuple<Ts...>& t) {
  std::apply([&](const auto&... e) { (collect_tensors(out, e), ...); }, t);
}

/// impl.forward(args...), with impl's forward hooks around it when it has any.
template <class Impl, class... Args>
auto forward_with_hooks(Impl& impl, Args&&... args)
    -> decltype(impl.forward(std::forward<Args>(args)...)) {
  using Result = decltype(impl.forward(std::forward<Args>(args)...));
  if (!impl.has_forward_hooks()) return impl.forward(std::forward<Args>(args)...);
  std::vector<Tensor> inputs;
  (collect_tensors(inputs, std::as_const(args)), ...);
  impl.run_forward_pre_hooks(inputs);
  if constexpr (std::is_void_v<Result>) {
    impl.forward(std::forward<Args>(args)...);
    impl.run_forward_hooks(inputs, {});
  } else {
    Result out = impl.forward(std::forward<Args>(args)...);
    std::vector<Tensor> outputs;
    collect_tensors(outputs, std::as_const(out));
    impl.run_forward_hooks(inputs, outputs);
    return out;
  }
}
}  // namespace detail

/// Prints the module tree as LibTorch does:
///   nabla::nn::Sequential(
///     (0): nabla::nn::Linear(in_features=784, out_features=256, bias=true)
///     (1): nabla::nn::ReLU()
///   )
std::ostream& operator<<(std::ostream& stream, const Module& module);

/// Base for modules that can be deep-copied with clone(). Subclasses create their parameters
/// and submodules in reset() (and call reset() from their constructor).
template <class Derived>
class Cloneable : public Module {
 public:
  using Module::Module;

  /// (Re)creates parameters, buffers and submodules, freshly initialized.
  virtual void reset() = 0;

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override {
    NoGradGuard no_grad;
    const auto& self = static_cast<const Derived&>(*this);
    auto copy = std::make_shared<Derived>(self);
    copy->parameters_.clear();
    copy->buffers_.clear();
    copy->children_.clear();
    copy->forward_pre_hooks_.clear();  // hooks watch the original, not the copy
    copy->forward_hooks_.clear();
    copy->reset();
    check_same_layout(copy->parameters_.size(), parameters_.size(), "parameters");
    check_same_layout(copy->buffers_.size(), buffers_.size(), "buffers");
    check_same_layout(copy->children_.size(), children_.size(), "submodules");
    auto copy_tensor = [&](const Tensor& t) {
      return device && t.device() != *device ? t.to(*device, false, true) : t.clone();
    };
    for (const auto& p : parameters_) {
      if (!p.value().defined()) continue;
      Tensor& param = copy->parameters_[p.key()];
      detail::set_data(param, copy_tensor(*p));
      param.requires_grad_(p.value().requires_grad());
    }
    for (const auto& b : buffers_) {
      if (b.value().defined()) detail::set_data(copy->buffers_[b.key()], copy_tensor(*b));
    }
    for (const auto& child : children_) {
      copy->children_[child.key()]->clone_(*child.value(), device);
    }
    return copy;
  }

 private:
  static void check_same_layout(size_t got, size_t expected, const char* what) {
    if (got != expected)
      throw Error("[clone] the cloned module has " + std::to_string(got) + " " + what +
                  " but the original has " + std::to_string(expected) +
                  ": did you register them in reset()?");
  }
  void clone_(Module& other, const std::optional<Device>& device) final {
    auto clone = std::dynamic_pointer_cast<Derived>(other.clone(device));
    if (!clone)
      throw Error("[clone] a submodule is of a different type than the one it is cloned into");
    static_cast<Derived&>(*this) = std::move(*clone);
  }
};

// ---- ModuleHolder ------------------------------------------------------------------------

namespace detail {
template <class T, class Contained>
constexpr bool is_holder_of_v = std::is_base_of_v<ModuleHolder<Contained>, std::decay_t<T>>;
}  // namespace detail

/// A std::shared_ptr<Impl> with value syntax: `Linear lin(3, 4); lin->weight; lin(x);`.
/// `Linear lin = nullptr;` (or `Linear lin{nullptr}`) makes an empty holder.
template <class Contained>
class ModuleHolder {
 public:
  using ContainedType = Contained;

  /// Default-constructs the module; for modules without a default constructor use nullptr.
  ModuleHolder() : impl_(default_construct()) {
    static_assert(std::is_default_constructible_v<Contained>,
                  "this module has no default constructor: use `= nullptr` for an empty "
                  "holder (e.g. `Linear linear = nullptr;`)");
  }
  ModuleHolder(std::nullptr_t) : impl_(nullptr) {}  // NOLINT: implicit, as in LibTorch
  /// Constructs the module from the given arguments.
  template <
      class Head, class... Tail,
      class = std::enable_if_t<!(detail::is_holder_of_v<Head, Contained> && sizeof...(Tail) == 0)>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Contained>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  ModuleHolder(std::shared_ptr<Contained> module)  // NOLINT: implicit, as in LibTorch
      : impl_(std::move(module)) {}

  explicit operator bool() const noexcept { return !is_empty(); }
  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  const std::shared_ptr<Contained>& ptr() const {
    check_not_empty();
    return impl_;
  }
  Contained* get() {
    check_not_empty();
    return impl_.get();
  }
  const Contained* get() const {
    check_not_empty();
    return impl_.get();
  }
  /// Calls the module's forward(), and its forward hooks if it has any.
  template <class... Args, class C = Contained>
  auto operator()(Args&&... args)
      -> decltype(std::declval<C&>().forward(std::forward<Args>(args)...)) {
    return detail::forward_with_hooks(*get(), std::forward<Args>(args)...);
  }
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }
  bool is_empty() const noexcept { return impl_ == nullptr; }

 protected:
  std::shared_ptr<Contained> impl_;

 private:
  void check_not_empty() const {
    if (impl_ == nullptr)
      throw Error(std::string("Accessing empty ModuleHolder (it was constructed from nullptr)"));
  }
  template <class T = Contained>
  static std::shared_ptr<Contained> default_construct() {
    if constexpr (std::is_default_constructible_v<T>) {
      return std::make_shared<Contained>();
    } else {
      return nullptr;
    }
  }
};

template <class Contained>
std::ostream& operator<<(std::ostream& stream, const ModuleHolder<Contained>& module) {
  return stream << *module;
}

}  // namespace nabla::nn

/// Defines `Name`, a ModuleHolder of `Impl` (as LibTorch's TORCH_MODULE_IMPL).
#define NABLA_MODULE_IMPL(Name, Impl)                                \
  class Name : public ::nabla::nn::ModuleHolder<Impl> { /* NOLINT */ \
   public:                                                           \
    using ::nabla::nn::ModuleHolder<Impl>::ModuleHolder;             \
    using ::nabla::nn::ModuleHolder<Impl>::get;                      \
  }

/// NABLA_MODULE(Linear) defines `Linear`, a ModuleHolder of `LinearImpl`.
#define NABLA_MODULE(Name) NABLA_MODULE_IMPL(Name, Name##Impl)
