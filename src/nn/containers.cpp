// Sequential, ModuleList, ModuleDict and Functional.
#include "nabla/nn/containers.h"

#include <ostream>

#include <fmt/ranges.h>

#include "core/check.h"

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

Tensor SequentialImpl::forward(const Tensor& input) {
  NABLA_CHECK(!modules_.empty(), "[Sequential] cannot call forward() on an empty Sequential");
  Tensor x = modules_.front().forward(input);
  for (size_t i = 1; i < modules_.size(); ++i) x = modules_[i].forward(x);
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
