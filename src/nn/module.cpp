// nn::Module: registration, traversal, modes, conversion and printing.
#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ostream>
#include <string>
#include <typeinfo>

#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/nn/module.h"

namespace nabla::nn {
namespace detail {

void set_data(const Tensor& dst, const Tensor& src) {
  NABLA_CHECK(dst.defined() && src.defined(), "[set_data] both tensors must be defined");
  TensorImpl& d = *dst.impl();
  const TensorImpl& s = *src.impl();
  // Only the data moves: requires_grad, grad and hooks stay with the handle, so optimizers
  // and user code holding the parameter keep working.
  d.share_storage_and_geometry(s);
  d.is_view = s.is_view;
  if (d.grad.defined() && (d.grad.scalar_type() != d.dtype || d.grad.device() != dst.device())) {
    d.grad = d.grad.to(dst.device(), d.dtype);
  }
}

std::string demangle_type_name(const char* mangled) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return mangled;
  std::string name(demangled);
  std::free(demangled);
  return name;
}

[[noreturn]] void throw_forward_arity(const Module& module, size_t expected, size_t got) {
  NABLA_ERROR("[AnyModule] {}'s forward takes {} argument(s), got {}", module.name(), expected,
              got);
}

[[noreturn]] void throw_forward_argument(const Module& module, size_t index,
                                         const std::type_info& expected,
                                         const std::type_info& got) {
  NABLA_ERROR("[AnyModule] argument #{} of {}'s forward must be of type {}, got a value of type {}",
              index, module.name(), demangle_type_name(expected.name()),
              demangle_type_name(got.name()));
}

[[noreturn]] void throw_forward_result(const Module& module, const std::type_info& result,
                                       const std::type_info& asked) {
  NABLA_ERROR("[AnyModule] {}'s forward returned a {}, not the requested {}", module.name(),
              result == typeid(void) ? std::string("void") : demangle_type_name(result.name()),
              demangle_type_name(asked.name()));
}

[[noreturn]] void throw_no_unique_forward(const Module& module) {
  NABLA_ERROR(
      "[AnyModule] {} has no single forward() (it is missing, overloaded or a template) "
      "that these arguments could be checked against",
      module.name());
}

[[noreturn]] void throw_bad_module_cast(const char* container, const std::string& what,
                                        const Module& module) {
  NABLA_ERROR("[{}] {} is a {}, not of the requested type", container, what, module.name());
}

}  // namespace detail

namespace {
std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

Module::Module(std::string name) : name_(std::move(name)) {}
Module::Module() = default;

const std::string& Module::name() const noexcept {
  // Not in the constructor: there typeid(*this) is still the base class.
  if (!name_.has_value()) name_ = detail::demangle_type_name(typeid(*this).name());
  return *name_;
}

std::shared_ptr<Module> Module::clone(const std::optional<Device>&) const {
  NABLA_ERROR(
      "[clone] clone() is not implemented for {}: derive from nabla::nn::Cloneable<{}> "
      "instead of nabla::nn::Module to get it",
      name(), name());
}

void Module::clone_(Module&, const std::optional<Device>&) {
  NABLA_ERROR("[clone] {} is not Cloneable, so a module containing it cannot be cloned", name());
}

// ---- traversal ---------------------------------------------------------------------------

void Module::apply(const ModuleApplyFunction& function) {
  function(*this);
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { function(*m); });
}

void Module::apply(const ConstModuleApplyFunction& function) const {
  function(*this);
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { function(*m); });
}

void Module::apply(const NamedModuleApplyFunction& function, const std::string& name_prefix) {
  function(name_prefix, *this);
  apply_to_submodules(
      [&](const std::string& name, const std::shared_ptr<Module>& m) { function(name, *m); },
      name_prefix);
}

void Module::apply(const ConstNamedModuleApplyFunction& function,
                   const std::string& name_prefix) const {
  function(name_prefix, *this);
  apply_to_submodules(
      [&](const std::string& name, const std::shared_ptr<Module>& m) { function(name, *m); },
      name_prefix);
}

void Module::apply(const ModulePointerApplyFunction& function) const {
  function(shared_from_this_checked());
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { function(m); });
}

void Module::apply(const NamedModulePointerApplyFunction& function,
                   const std::string& name_prefix) const {
  function(name_prefix, shared_from_this_checked());
  apply_to_submodules(function, name_prefix);
}

void Module::apply_to_submodules(const NamedModulePointerApplyFunction& function,
                                 const std::string& name_prefix) const {
  for (const auto& child : children_) {
    std::string qualified = join_name(name_prefix, child.key());
    function(qualified, child.value());
    child.value()->apply_to_submodules(function, qualified);
  }
}

std::shared_ptr<Module> Module::shared_from_this_checked() const {
  std::shared_ptr<const Module> ptr = weak_from_this().lock();
  NABLA_CHECK(ptr != nullptr,
              "[Module] {} is not stored in a std::shared_ptr, so it cannot be returned as one: "
              "create it with std::make_shared (or a ModuleHolder), or pass include_self=false "
              "to modules() / named_modules()",
              name());
  return std::const_pointer_cast<Module>(ptr);
}

// ---- parameters, buffers, submodules -----------------------------------------------------

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<std::string, Tensor> result("Parameter");
  auto add = [&](const std::string& prefix, const Module& m) {
    for (const auto& p : m.parameters_) {
      if (p.value().defined()) result.insert(join_name(prefix, p.key()), p.value());
    }
  };
  if (recurse) {
    apply([&](const std::string& name, const Module& m) { add(name, m); });
  } else {
    add("", *this);
  }
  return result;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<std::string, Tensor> result("Buffer");
  auto add = [&](const std::string& prefix, const Module& m) {
    for (const auto& b : m.buffers_) {
      if (b.value().defined()) result.insert(join_name(prefix, b.key()), b.value());
    }
  };
  if (recurse) {
    apply([&](const std::string& name, const Module& m) { add(name, m); });
  } else {
    add("", *this);
  }
  return result;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(
    const std::string& name_prefix, bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> result("Module");
  auto add = [&](const std::string& name, const std::shared_ptr<Module>& m) {
    result.insert(name, m);
  };
  if (include_self) {
    apply(add, name_prefix);
  } else {
    apply_to_submodules(add, name_prefix);
  }
  return result;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_children() const {
  return children_;
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  NABLA_CHECK(!name.empty(), "[register_parameter] parameter name must not be empty");
  NABLA_CHECK(name.find('.') == std::string::npos,
              "[register_parameter] parameter name must not contain a dot (got '{}')", name);
  if (tensor.defined()) {
    NABLA_CHECK(!requires_grad || tensor.is_floating_point(),
                "[register_parameter] parameter '{}' has dtype {}, but only floating point "
                "tensors can require gradients",
                name, tensor.scalar_type());
    NABLA_CHECK(tensor.is_leaf(),
                "[register_parameter] parameter '{}' has autograd history; register "
                "tensor.detach() instead",
                name);
    tensor.requires_grad_(requires_grad);
  }
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  NABLA_CHECK(!name.empty(), "[register_buffer] buffer name must not be empty");
  NABLA_CHECK(name.find('.') == std::string::npos,
              "[register_buffer] buffer name must not contain a dot (got '{}')", name);
  return buffers_.insert(std::move(name), std::move(tensor));
}

void Module::check_module_name(const std::string& name, bool defined) const {
  NABLA_CHECK(!name.empty(), "[register_module] submodule name must not be empty");
  NABLA_CHECK(name.find('.') == std::string::npos,
              "[register_module] submodule name must not contain a dot (got '{}')", name);
  NABLA_CHECK(defined, "[register_module] submodule '{}' is null (an empty ModuleHolder?)", name);
}

void Module::unregister_module(const std::string& name) {
  NABLA_CHECK(children_.contains(name), "[unregister_module] no submodule named '{}' in {}", name,
              this->name());
  children_.erase(name);
}

// ---- forward hooks -----------------------------------------------------------------------

namespace {
std::atomic<uint64_t> g_next_hook_handle{1};
}  // namespace

uint64_t Module::register_forward_pre_hook(ForwardPreHook hook) {
  NABLA_CHECK(hook != nullptr, "[register_forward_pre_hook] the hook is empty");
  const uint64_t handle = g_next_hook_handle.fetch_add(1, std::memory_order_relaxed);
  forward_pre_hooks_.emplace_back(handle, std::move(hook));
  return handle;
}

uint64_t Module::register_forward_hook(ForwardHook hook) {
  NABLA_CHECK(hook != nullptr, "[register_forward_hook] the hook is empty");
  const uint64_t handle = g_next_hook_handle.fetch_add(1, std::memory_order_relaxed);
  forward_hooks_.emplace_back(handle, std::move(hook));
  return handle;
}

void Module::remove_hook(uint64_t handle) {
  auto is_it = [handle](const auto& entry) { return entry.first == handle; };
  forward_pre_hooks_.erase(
      std::remove_if(forward_pre_hooks_.begin(), forward_pre_hooks_.end(), is_it),
      forward_pre_hooks_.end());
  forward_hooks_.erase(std::remove_if(forward_hooks_.begin(), forward_hooks_.end(), is_it),
                       forward_hooks_.end());
}

void Module::run_forward_pre_hooks(const std::vector<Tensor>& inputs) {
  // A copy: a hook may remove itself (or others) while running.
  const auto hooks = forward_pre_hooks_;
  for (const auto& [handle, hook] : hooks) hook(*this, inputs);
}

void Module::run_forward_hooks(const std::vector<Tensor>& inputs,
                               const std::vector<Tensor>& outputs) {
  const auto hooks = forward_hooks_;
  for (const auto& [handle, hook] : hooks) hook(*this, inputs, outputs);
}

// ---- modes and conversion ----------------------------------------------------------------

void Module::train(bool on) {
  for (auto& child : children_) child.value()->train(on);
  is_training_ = on;
}

void Module::convert(const std::function<Tensor(const Tensor&)>& fn) {
  NoGradGuard no_grad;
  for (auto& child : children_) child.value()->convert(fn);
  for (auto& p : parameters_) {
    if (p.value().defined()) detail::set_data(p.value(), fn(p.value()));
  }
  for (auto& b : buffers_) {
    if (b.value().defined()) detail::set_data(b.value(), fn(b.value()));
  }
}

void Module::to(Device device, ScalarType dtype, bool non_blocking) {
  // Integer buffers (counters, indices) keep their dtype, as in PyTorch.
  convert([&](const Tensor& t) {
    return t.is_floating_point() ? t.to(device, dtype, non_blocking) : t.to(device, non_blocking);
  });
}

void Module::to(ScalarType dtype, bool non_blocking) {
  NABLA_CHECK(isFloatingType(dtype),
              "[Module::to] modules can only be converted to a floating "
              "point dtype, got {}",
              dtype);
  convert([&](const Tensor& t) { return t.is_floating_point() ? t.to(dtype, non_blocking) : t; });
}

void Module::to(Device device, bool non_blocking) {
  convert([&](const Tensor& t) { return t.to(device, non_blocking); });
}

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
    Tensor& grad = p.mutable_grad();
    if (!grad.defined()) continue;
    if (set_to_none) {
      grad = Tensor();
    } else {
      grad = grad.detach();
      grad.zero_();
    }
  }
}

// ---- printing ----------------------------------------------------------------------------

void Module::pretty_print(std::ostream& stream) const { stream << name(); }

void Module::pretty_print_recursive(std::ostream& stream, const std::string& indentation) const {
  pretty_print(stream);
  if (children_.is_empty()) return;
  stream << "(\n";
  const std::string next = indentation + "  ";
  for (const auto& child : children_) {
    stream << next << "(" << child.key() << "): ";
    child.value()->pretty_print_recursive(stream, next);
    stream << '\n';
  }
  stream << indentation << ")";
}

std::ostream& operator<<(std::ostream& stream, const Module& module) {
  module.pretty_print_recursive(stream, "");
  return stream;
}

}  // namespace nabla::nn
