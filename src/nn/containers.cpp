// Sequential, ModuleList, ModuleDict and Functional.
#include "nabla/nn/containers.h"

#include <optional>
#include <ostream>
#include <typeinfo>
#include <variant>

#include <fmt/ranges.h>

#include "core/check.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/modules.h"
#include "nabla/nn/pooling.h"
#include "ops/conv_prims.h"
#include "ops/fused.h"

namespace nabla::nn {

// ---- Sequential --------------------------------------------------------------------------

SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) {
  modules_.reserve(named_modules.size());
  for (const NamedAnyModule& m : named_modules) push_back(m.name(), m.module());
}

SequentialImpl::SequentialImpl(OrderedDict<std::string, AnyModule>&& ordered_dict) {
  modules_.reserve(ordered_dict.size());
  for (auto& item : ordered_dict) push_back(item.key(), std::move(item.value()));
}

void SequentialImpl::push_back(std::string name, AnyModule any_module) {
  NABLA_CHECK(!any_module.is_empty(), "[Sequential] cannot add an empty module ('{}')", name);
  register_module(std::move(name), any_module.ptr());
  modules_.push_back(std::move(any_module));
}

std::shared_ptr<Module> SequentialImpl::clone(const std::optional<Device>& device) const {
  auto clone = std::make_shared<SequentialImpl>();
  clone->train(is_training());
  const auto names = named_children().keys();
  for (size_t i = 0; i < modules_.size(); ++i) {
    clone->push_back(names[i], modules_[i].clone(device));
  }
  return clone;
}

void SequentialImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Sequential"; }

namespace {

// Conv2d, ReLU and MaxPool2d in a row, when nothing can see the two results in between (no
// forward hooks on the three) and the block is one the fused op takes: zero padding mode,
// numeric padding, pooling without padding, dilation or ceil_mode. The fused op computes the
// same values (ops/conv.cpp), a few images at a time with the conv output kept in the cache:
// on the Fashion-MNIST CNN the three ops' memory passes over [64, 32, 26, 26] are most of what
// is not the convolutions.
std::optional<Tensor> conv_relu_pool(const AnyModule* m, const Tensor& x) {
  // These classes exactly: a subclass may have its own forward.
  const Module &m0 = *m[0].ptr(), &m1 = *m[1].ptr(), &m2 = *m[2].ptr();
  if (typeid(m0) != typeid(Conv2dImpl) || typeid(m1) != typeid(ReLUImpl) ||
      typeid(m2) != typeid(MaxPool2dImpl) || !x.defined() || x.dim() != 4)
    return std::nullopt;
  const auto* conv = static_cast<const Conv2dImpl*>(&m0);
  const auto* relu = static_cast<const ReLUImpl*>(&m1);
  const auto* pool = static_cast<const MaxPool2dImpl*>(&m2);
  if (conv->has_forward_hooks() || relu->has_forward_hooks() || pool->has_forward_hooks())
    return std::nullopt;
  const auto* padding = std::get_if<ExpandingArray<2>>(&conv->options.padding());
  if (!padding || !std::holds_alternative<enumtype::kZeros>(conv->options.padding_mode()))
    return std::nullopt;
  const MaxPool2dOptions& p = pool->options;
  for (size_t i = 0; i < 2; ++i)
    if ((*p.padding())[i] != 0 || (*p.dilation())[i] != 1) return std::nullopt;
  if (p.ceil_mode()) return std::nullopt;
  const ConvOptions<2>& c = conv->options;
  return nabla::detail::conv2d_relu_max_pool2d(x, conv->weight, conv->bias, c.stride().ref(),
                                               padding->ref(), c.dilation().ref(), c.groups(),
                                               p.kernel_size().ref(), p.stride().ref());
}

// Linear then ReLU, when nothing can see the product before relu (no forward hooks on the
// two): one op (ops/fused.cpp) whose kernel applies relu with the bias, on each thread's own
// columns of the product, and one backward node instead of two.
std::optional<Tensor> linear_relu(const AnyModule* m, const Tensor& x) {
  const Module &m0 = *m[0].ptr(), &m1 = *m[1].ptr();
  if (typeid(m0) != typeid(LinearImpl) || typeid(m1) != typeid(ReLUImpl) || !x.defined())
    return std::nullopt;
  const auto* linear = static_cast<const LinearImpl*>(&m0);
  if (linear->has_forward_hooks() || m1.has_forward_hooks()) return std::nullopt;
  return nabla::detail::linear_relu(x, linear->weight, linear->bias);
}

}  // namespace

Tensor SequentialImpl::forward_all(const Tensor& input) {
  NABLA_CHECK(!modules_.empty(), "[Sequential] cannot call forward() on an empty Sequential");
  Tensor x = input;
  for (size_t i = 0; i < modules_.size(); ++i) {
    if (i + 3 <= modules_.size()) {
      if (std::optional<Tensor> y = conv_relu_pool(&modules_[i], x)) {
        x = std::move(*y);
        i += 2;
        continue;
      }
    }
    if (i + 2 <= modules_.size()) {
      if (std::optional<Tensor> y = linear_relu(&modules_[i], x)) {
        x = std::move(*y);
        i += 1;
        continue;
      }
    }
    x = modules_[i].forward(x);
  }
  return x;
}

std::shared_ptr<Module> SequentialImpl::ptr(size_t index) const {
  NABLA_CHECK(index < modules_.size(),
              "[Sequential] index {} is out of range for a Sequential "
              "of size {}",
              index, modules_.size());
  return modules_[index].ptr();
}

// ---- ModuleList --------------------------------------------------------------------------

std::shared_ptr<Module> ModuleListImpl::clone(const std::optional<Device>& device) const {
  auto clone = std::make_shared<ModuleListImpl>();
  clone->train(is_training());
  for (const auto& module : modules_) clone->push_back(module->clone(device));
  return clone;
}

void ModuleListImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::ModuleList"; }

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  NABLA_CHECK(module != nullptr, "[ModuleList] cannot add a null module");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(size_t index, std::shared_ptr<Module> module) {
  NABLA_CHECK(index <= modules_.size(),
              "[ModuleList] insert index {} is out of range for a ModuleList of size {}", index,
              modules_.size());
  NABLA_CHECK(module != nullptr, "[ModuleList] cannot insert a null module");
  if (index == modules_.size()) return push_back(std::move(module));
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  // Submodule names follow positions: rename from the insertion point on.
  for (size_t i = index; i + 1 < modules_.size(); ++i) {
    replace_module(std::to_string(i), modules_[i]);
  }
  register_module(std::to_string(modules_.size() - 1), modules_.back());
}

std::shared_ptr<Module> ModuleListImpl::ptr(size_t index) const {
  NABLA_CHECK(index < modules_.size(),
              "[ModuleList] index {} is out of range for a ModuleList "
              "of size {}",
              index, modules_.size());
  return modules_[index];
}

// ---- ModuleDict --------------------------------------------------------------------------

ModuleDictImpl::ModuleDictImpl(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  update(modules);
}

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules) {
  update(modules);
}

std::shared_ptr<Module> ModuleDictImpl::clone(const std::optional<Device>& device) const {
  auto clone = std::make_shared<ModuleDictImpl>();
  clone->train(is_training());
  for (const auto& item : modules_) clone->insert(item.key(), item.value()->clone(device));
  return clone;
}

void ModuleDictImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::ModuleDict"; }

void ModuleDictImpl::clear() {
  for (const auto& item : modules_) unregister_module(item.key());
  modules_.clear();
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  std::shared_ptr<Module> module = (*this)[key];
  modules_.erase(key);
  unregister_module(key);
  return module;
}

void ModuleDictImpl::update(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  NABLA_CHECK(module != nullptr, "[ModuleDict] cannot add a null module under '{}'", key);
  if (modules_.contains(key)) {
    modules_[key] = module;
    replace_module(key, std::move(module));
  } else {
    modules_.insert(key, module);
    register_module(key, std::move(module));
  }
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const std::shared_ptr<Module>* module = modules_.find(key);
  NABLA_CHECK(module != nullptr, "[ModuleDict] no module named '{}' (keys: {})", key,
              fmt::join(modules_.keys(), ", "));
  return *module;
}

// ---- Functional --------------------------------------------------------------------------

FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  NABLA_CHECK(function_ != nullptr, "[Functional] the function is empty");
}

void FunctionalImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Functional()";
}

Tensor FunctionalImpl::forward(Tensor input) { return function_(std::move(input)); }

}  // namespace nabla::nn
