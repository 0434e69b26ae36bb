// Containers of modules: Sequential, ModuleList, ModuleDict, and Functional (a function as a
// module), as LibTorch's.
//   nabla::nn::Sequential net(nabla::nn::Linear(784, 256), nabla::nn::ReLU(),
//                             nabla::nn::Linear(256, 10));
//   auto logits = net->forward(x);   // or net(x)
#pragma once

#include <any>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "nabla/nn/module.h"
#include "nabla/nn/ordered_dict.h"

namespace nabla::nn {

namespace detail {
template <class M, class = void>
struct has_tensor_forward : std::false_type {};
template <class M>
struct has_tensor_forward<
    M, std::void_t<decltype(Tensor(std::declval<M&>().forward(std::declval<const Tensor&>())))>>
    : std::true_type {};
template <class T>
constexpr bool is_module_v = std::is_base_of_v<Module, std::decay_t<T>>;

// The parameter and result types of a module's forward, when it has one (not overloaded, not a
// template): what AnyModule checks the arguments of a call against.
template <class F>
struct forward_signature;
template <class C, class R, class... A>
struct forward_signature<R (C::*)(A...)> {
  using result = R;
  using parameters = std::tuple<A...>;
};
template <class C, class R, class... A>
struct forward_signature<R (C::*)(A...) const> : forward_signature<R (C::*)(A...)> {};
template <class M, class = void>
struct has_one_forward : std::false_type {};
template <class M>
struct has_one_forward<M, std::void_t<decltype(&M::forward)>> : std::true_type {};

[[noreturn]] void throw_forward_arity(const Module& module, size_t expected, size_t got);
[[noreturn]] void throw_forward_argument(const Module& module, size_t index,
                                         const std::type_info& expected, const std::type_info& got);
[[noreturn]] void throw_forward_result(const Module& module, const std::type_info& result,
                                       const std::type_info& asked);
[[noreturn]] void throw_no_unique_forward(const Module& module);
[[noreturn]] void throw_bad_module_cast(const char* container, const std::string& what,
                                        const Module& module);
}  // namespace detail

/// Any module, type-erased (what Sequential stores). forward(x) calls a Tensor -> Tensor
/// forward directly; any other forward is called through std::any, as LibTorch's AnyModule:
/// forward(a, b, ...) passes each argument as the type it has (without const and references),
/// which must be the type forward takes there, and forward<R>(...) returns the result as R
/// (Tensor by default). A wrong argument or result type raises nabla::Error naming both.
class AnyModule {
 public:
  AnyModule() = default;
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  explicit AnyModule(std::shared_ptr<M> module)
      : module_(std::move(module)), forward_(&call_forward<M>), any_forward_(&call_any<M>) {}
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  explicit AnyModule(M&& module)
      : AnyModule(std::make_shared<std::decay_t<M>>(std::forward<M>(module))) {}
  template <class M>
  explicit AnyModule(const ModuleHolder<M>& holder) : AnyModule(holder.ptr()) {}

  /// Calls the module's forward(input) -> Tensor (forward<>(x) and forward<Tensor>(x) too).
  Tensor forward(const Tensor& input) const {
    check_not_empty();
    return forward_(*module_, input);
  }
  /// Calls the module's forward with these arguments; the result as ReturnType.
  template <class ReturnType = Tensor, class... Args>
  ReturnType forward(Args&&... args) const {
    if constexpr (std::is_same_v<ReturnType, Tensor> && sizeof...(Args) == 1 &&
                  (std::is_same_v<std::decay_t<Args>, Tensor> && ...)) {
      return forward(static_cast<const Tensor&>(args)...);
    } else {
      std::any result = any_forward(std::forward<Args>(args)...);
      if constexpr (std::is_void_v<ReturnType>) {
        return;
      } else {
        auto* value = std::any_cast<ReturnType>(&result);
        if (value == nullptr)
          detail::throw_forward_result(*module_, result.type(), typeid(ReturnType));
        return std::move(*value);
      }
    }
  }
  /// The module's forward with these arguments, its result in a std::any (empty for void).
  template <class... Args>
  std::any any_forward(Args&&... args) const {
    check_not_empty();
    std::vector<std::any> arguments;
    arguments.reserve(sizeof...(Args));
    (arguments.emplace_back(std::decay_t<Args>(std::forward<Args>(args))), ...);
    return any_forward_(*module_, arguments);
  }
  /// A deep copy of the module (Module::clone()).
  AnyModule clone(const std::optional<Device>& device = std::nullopt) const {
    check_not_empty();
    AnyModule copy;
    copy.module_ = module_->clone(device);
    copy.forward_ = forward_;
    copy.any_forward_ = any_forward_;
    return copy;
  }
  const std::shared_ptr<Module>& ptr() const {
    check_not_empty();
    return module_;
  }
  template <class T>
  std::shared_ptr<T> ptr() const {
    auto p = std::dynamic_pointer_cast<T>(ptr());
    if (!p) detail::throw_bad_module_cast("AnyModule", "the stored module", *module_);
    return p;
  }
  template <class T>
  T& get() const {
    return *ptr<T>();
  }
  bool is_empty() const noexcept { return module_ == nullptr; }

 private:
  template <class M>
  static Tensor call_forward(Module& module, const Tensor& input) {
    if constexpr (detail::has_tensor_forward<M>::value) {
      return detail::forward_with_hooks(static_cast<M&>(module), input);
    } else {
      // Through the checked path, whose error says what forward takes or returns instead.
      std::vector<std::any> arguments{std::any(input)};
      std::any result = call_any<M>(module, arguments);
      if (auto* tensor = std::any_cast<Tensor>(&result)) return *tensor;
      detail::throw_forward_result(module, result.type(), typeid(Tensor));
    }
  }
  // forward(arguments...) of an M, each argument taken out of its std::any as the type forward
  // declares (after checking there are as many as it takes).
  template <class M>
  static std::any call_any(Module& module, std::vector<std::any>& arguments) {
    if constexpr (detail::has_one_forward<M>::value) {
      using Signature = detail::forward_signature<decltype(&M::forward)>;
      return call_any_with<M, typename Signature::result>(
          module, arguments,
          std::make_index_sequence<std::tuple_size_v<typename Signature::parameters>>{},
          static_cast<typename Signature::parameters*>(nullptr));
    } else if constexpr (detail::has_tensor_forward<M>::value) {
      // An overloaded forward: only the Tensor -> Tensor call can be resolved here.
      if (arguments.size() == 1) {
        if (auto* x = std::any_cast<Tensor>(&arguments[0]))
          return std::any(detail::forward_with_hooks(static_cast<M&>(module), *x));
      }
      detail::throw_no_unique_forward(module);
    } else {
      detail::throw_no_unique_forward(module);
    }
  }
  template <class M, class R, size_t... I, class... P>
  static std::any call_any_with(Module& module, std::vector<std::any>& arguments,
                                std::index_sequence<I...>, std::tuple<P...>*) {
    if (arguments.size() != sizeof...(P))
      detail::throw_forward_arity(module, sizeof...(P), arguments.size());
    std::tuple<std::decay_t<P>*...> values{std::any_cast<std::decay_t<P>>(&arguments[I])...};
    (check_argument<std::decay_t<P>>(module, I, std::get<I>(values), arguments[I]), ...);
    M& m = static_cast<M&>(module);
    if constexpr (std::is_void_v<R>) {
      m.forward(*std::get<I>(values)...);
      return std::any();
    } else {
      return std::any(std::decay_t<R>(m.forward(*std::get<I>(values)...)));
    }
  }
  template <class T>
  static void check_argument(const Module& module, size_t index, const T* value,
                             const std::any& argument) {
    if (value == nullptr) detail::throw_forward_argument(module, index, typeid(T), argument.type());
  }
  void check_not_empty() const {
    if (module_ == nullptr) throw Error("[AnyModule] the AnyModule is empty");
  }

  std::shared_ptr<Module> module_;
  Tensor (*forward_)(Module&, const Tensor&) = nullptr;
  std::any (*any_forward_)(Module&, std::vector<std::any>&) = nullptr;
};

/// A name and a module, for building a Sequential with named entries.
class NamedAnyModule {
 public:
  template <class M>
  NamedAnyModule(std::string name, std::shared_ptr<M> module)
      : name_(std::move(name)), module_(std::move(module)) {}
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  NamedAnyModule(std::string name, M&& module)
      : name_(std::move(name)), module_(std::forward<M>(module)) {}
  template <class M>
  NamedAnyModule(std::string name, const ModuleHolder<M>& holder)
      : name_(std::move(name)), module_(holder) {}
  NamedAnyModule(std::string name, AnyModule module)
      : name_(std::move(name)), module_(std::move(module)) {}
  const std::string& name() const noexcept { return name_; }
  const AnyModule& module() const noexcept { return module_; }

 private:
  std::string name_;
  AnyModule module_;
};

// ---- Sequential --------------------------------------------------------------------------

/// Chains modules: forward(x) = m_n(...m_1(x)). Entries are named "0", "1", ... unless named.
class SequentialImpl : public Cloneable<SequentialImpl> {
 public:
  using Iterator = std::vector<AnyModule>::iterator;
  using ConstIterator = std::vector<AnyModule>::const_iterator;

  SequentialImpl() = default;
  template <class... Modules, class = std::enable_if_t<!(
                                  sizeof...(Modules) == 1 &&
                                  (std::is_same_v<std::decay_t<Modules>, SequentialImpl> && ...))>>
  explicit SequentialImpl(Modules&&... modules) {
    modules_.reserve(sizeof...(Modules));
    push_back(std::forward<Modules>(modules)...);
  }
  explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules);
  explicit SequentialImpl(OrderedDict<std::string, AnyModule>&& ordered_dict);

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  /// Feeds `input` through every module in order. forward<>(x) and forward<Tensor>(x), as
  /// LibTorch spells it, are the same call.
  template <class ReturnType = Tensor>
  ReturnType forward(const Tensor& input) {
    static_assert(std::is_same_v<ReturnType, Tensor>,
                  "nabla's Sequential::forward returns a Tensor");
    return forward_all(input);
  }

  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  void push_back(std::shared_ptr<M> module) {
    push_back(std::to_string(modules_.size()), std::move(module));
  }
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  void push_back(M&& module) {
    push_back(std::to_string(modules_.size()), std::forward<M>(module));
  }
  template <class M>
  void push_back(const ModuleHolder<M>& module_holder) {
    push_back(std::to_string(modules_.size()), module_holder);
  }
  void push_back(AnyModule any_module) {
    push_back(std::to_string(modules_.size()), std::move(any_module));
  }
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  void push_back(std::string name, std::shared_ptr<M> module) {
    push_back(std::move(name), AnyModule(std::move(module)));
  }
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  void push_back(std::string name, M&& module) {
    push_back(std::move(name), AnyModule(std::forward<M>(module)));
  }
  template <class M>
  void push_back(std::string name, const ModuleHolder<M>& module_holder) {
    push_back(std::move(name), AnyModule(module_holder));
  }
  void push_back(std::string name, AnyModule any_module);
  /// Appends several modules: push_back(Linear(2, 3), ReLU()).
  template <class First, class Second, class... Rest,
            class = std::enable_if_t<!std::is_convertible_v<First, std::string>>>
  void push_back(First&& first, Second&& second, Rest&&... rest) {
    push_back(std::forward<First>(first));
    push_back(std::forward<Second>(second), std::forward<Rest>(rest)...);
  }
  /// Appends the modules of another Sequential (or any container of modules).
  template <class Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }

  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }

  template <class T>
  T& at(size_t index) {
    return *ptr<T>(index);
  }
  std::shared_ptr<Module> ptr(size_t index) const;
  template <class T>
  std::shared_ptr<T> ptr(size_t index) const {
    auto p = std::dynamic_pointer_cast<T>(ptr(index));
    if (!p)
      detail::throw_bad_module_cast("Sequential", "entry " + std::to_string(index), *ptr(index));
    return p;
  }
  std::shared_ptr<Module> operator[](size_t index) const { return ptr(index); }
  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }

 private:
  Tensor forward_all(const Tensor& input);

  std::vector<AnyModule> modules_;
};

/// Holder of SequentialImpl; also constructible from {{"name", module}, ...}.
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using ModuleHolder<SequentialImpl>::get;
  Sequential() : ModuleHolder() {}
  Sequential(std::initializer_list<NamedAnyModule> named_modules)
      : ModuleHolder(std::make_shared<SequentialImpl>(named_modules)) {}
};

// ---- ModuleList --------------------------------------------------------------------------

/// A list of submodules (named "0", "1", ...); you call them yourself.
class ModuleListImpl : public Cloneable<ModuleListImpl> {
 public:
  using Iterator = std::vector<std::shared_ptr<Module>>::iterator;
  using ConstIterator = std::vector<std::shared_ptr<Module>>::const_iterator;

  ModuleListImpl() = default;
  template <class... Modules, class = std::enable_if_t<!(
                                  sizeof...(Modules) == 1 &&
                                  (std::is_same_v<std::decay_t<Modules>, ModuleListImpl> && ...))>>
  explicit ModuleListImpl(Modules&&... modules) {
    modules_.reserve(sizeof...(Modules));
    (push_back(std::forward<Modules>(modules)), ...);
  }

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  void push_back(std::shared_ptr<Module> module);
  template <class M, class = std::enable_if_t<detail::is_module_v<M>>>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(std::make_shared<std::decay_t<M>>(std::forward<M>(module))));
  }
  template <class M>
  void push_back(const ModuleHolder<M>& module_holder) {
    push_back(std::shared_ptr<Module>(module_holder.ptr()));
  }
  template <class Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }
  /// Inserts before position `index` (index == size() appends).
  void insert(size_t index, std::shared_ptr<Module> module);
  template <class M>
  void insert(size_t index, const ModuleHolder<M>& module_holder) {
    insert(index, std::shared_ptr<Module>(module_holder.ptr()));
  }

  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }

  template <class T>
  T& at(size_t index) {
    return *ptr<T>(index);
  }
  std::shared_ptr<Module> ptr(size_t index) const;
  template <class T>
  std::shared_ptr<T> ptr(size_t index) const {
    auto p = std::dynamic_pointer_cast<T>(ptr(index));
    if (!p)
      detail::throw_bad_module_cast("ModuleList", "entry " + std::to_string(index), *ptr(index));
    return p;
  }
  std::shared_ptr<Module> operator[](size_t index) const { return ptr(index); }
  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};
NABLA_MODULE(ModuleList);

// ---- ModuleDict --------------------------------------------------------------------------

/// Submodules by name, in insertion order.
class ModuleDictImpl : public Cloneable<ModuleDictImpl> {
 public:
  using Iterator = OrderedDict<std::string, std::shared_ptr<Module>>::Iterator;
  using ConstIterator = OrderedDict<std::string, std::shared_ptr<Module>>::ConstIterator;

  ModuleDictImpl() = default;
  explicit ModuleDictImpl(
      const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  explicit ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules);

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  std::vector<std::pair<std::string, std::shared_ptr<Module>>> items() const {
    return modules_.pairs();
  }
  std::vector<std::string> keys() const { return modules_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }
  size_t size() const noexcept { return modules_.size(); }
  bool empty() const noexcept { return modules_.is_empty(); }
  bool contains(const std::string& key) const noexcept { return modules_.contains(key); }
  void clear();
  /// Removes and returns the module under `key`.
  std::shared_ptr<Module> pop(const std::string& key);
  /// Adds the modules (replacing those with the same key).
  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  template <class Container>
  void update(const Container& container) {
    for (const auto& item : container) insert(item.key(), item.value());
  }
  /// Adds `module` under `key`, or replaces the module already there.
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <class M>
  void insert(const std::string& key, const ModuleHolder<M>& module_holder) {
    insert(key, std::shared_ptr<Module>(module_holder.ptr()));
  }

  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <class T>
  T& at(const std::string& key) {
    auto p = std::dynamic_pointer_cast<T>((*this)[key]);
    if (!p) detail::throw_bad_module_cast("ModuleDict", "entry '" + key + "'", *(*this)[key]);
    return *p;
  }

 private:
  OrderedDict<std::string, std::shared_ptr<Module>> modules_{"Module"};
};
NABLA_MODULE(ModuleDict);

// ---- Functional --------------------------------------------------------------------------

/// A function as a module: Functional(nabla::relu), Functional(F::leaky_relu, options).
class FunctionalImpl : public Cloneable<FunctionalImpl> {
 public:
  using Function = std::function<Tensor(Tensor)>;
  explicit FunctionalImpl(Function function);
  /// Binds the arguments after the first: Functional(f, a, b)(x) == f(x, a, b).
  template <class SomeFunction, class... Args, class = std::enable_if_t<(sizeof...(Args) > 0)>>
  explicit FunctionalImpl(SomeFunction original_function, Args&&... args)
      : FunctionalImpl(
            Function([f = std::move(original_function),
                      bound = std::make_tuple(std::forward<Args>(args)...)](Tensor input) {
              return std::apply([&](const auto&... a) { return Tensor(f(input, a...)); }, bound);
            })) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  bool is_serializable() const override { return false; }
  Tensor forward(Tensor input);
  Tensor operator()(Tensor input) { return forward(std::move(input)); }

 private:
  Function function_;
};
NABLA_MODULE(Functional);

}  // namespace nabla::nn
