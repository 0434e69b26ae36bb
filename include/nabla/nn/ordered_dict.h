// nabla::OrderedDict: a map that keeps insertion order, as LibTorch's torch::OrderedDict.
// Modules keep their parameters, buffers and children in it, so iteration order is the
// registration order (which is what named_parameters() and printing show).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nabla/core.h"

namespace nabla {

template <class Key, class Value>
class OrderedDict {
 public:
  /// One entry: its key and its value.
  class Item {
   public:
    Item(Key key, Value value) : pair_(std::move(key), std::move(value)) {}
    Value& operator*() { return value(); }
    const Value& operator*() const { return value(); }
    Value* operator->() { return &value(); }
    const Value* operator->() const { return &value(); }
    const Key& key() const noexcept { return pair_.first; }
    Value& value() noexcept { return pair_.second; }
    const Value& value() const noexcept { return pair_.second; }
    const std::pair<Key, Value>& pair() const noexcept { return pair_; }

   private:
    std::pair<Key, Value> pair_;
  };

  using Iterator = typename std::vector<Item>::iterator;
  using ConstIterator = typename std::vector<Item>::const_iterator;

  /// `key_description` names keys in error messages ("Parameter", "Submodule", ...).
  explicit OrderedDict(std::string key_description = "Key")
      : key_description_(std::move(key_description)) {}
  OrderedDict(std::initializer_list<Item> initializer_list) : OrderedDict("Key") {
    items_.reserve(initializer_list.size());
    for (const Item& item : initializer_list) insert(item.key(), item.value());
  }

  const std::string& key_description() const noexcept { return key_description_; }

  Item& front() { return at_index(0, "front"); }
  const Item& front() const { return const_cast<OrderedDict*>(this)->at_index(0, "front"); }
  Item& back() { return at_index(items_.empty() ? 0 : items_.size() - 1, "back"); }
  const Item& back() const { return const_cast<OrderedDict*>(this)->back(); }

  /// The item at position `index` (insertion order).
  Item& operator[](size_t index) { return at_index(index, "operator[]"); }
  const Item& operator[](size_t index) const {
    return const_cast<OrderedDict*>(this)->at_index(index, "operator[]");
  }
  /// The value stored under `key`; raises nabla::Error when there is none.
  Value& operator[](const Key& key) { return at(key); }
  const Value& operator[](const Key& key) const { return at(key); }
  Value& at(const Key& key) {
    Value* v = find(key);
    if (v == nullptr) throw Error(key_description_ + " '" + key_str(key) + "' is not defined");
    return *v;
  }
  const Value& at(const Key& key) const { return const_cast<OrderedDict*>(this)->at(key); }

  /// A pointer to the value under `key`, or nullptr.
  Value* find(const Key& key) noexcept {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].value();
  }
  const Value* find(const Key& key) const noexcept {
    return const_cast<OrderedDict*>(this)->find(key);
  }
  bool contains(const Key& key) const noexcept { return index_.count(key) != 0; }

  Iterator begin() { return items_.begin(); }
  ConstIterator begin() const { return items_.begin(); }
  Iterator end() { return items_.end(); }
  ConstIterator end() const { return items_.end(); }
  size_t size() const noexcept { return items_.size(); }
  bool is_empty() const noexcept { return items_.empty(); }
  void reserve(size_t n) {
    items_.reserve(n);
    index_.reserve(n);
  }

  /// Adds a new entry; raises nabla::Error when `key` is already present.
  template <class K, class V>
  Value& insert(K&& key, V&& value) {
    if (index_.count(key) != 0)
      throw Error(key_description_ + " '" + key_str(key) + "' already defined");
    items_.emplace_back(Key(std::forward<K>(key)), Value(std::forward<V>(value)));
    index_.emplace(items_.back().key(), items_.size() - 1);
    return items_.back().value();
  }
  /// Adds or overwrites the entries of `other`.
  void update(const OrderedDict& other) {
    for (const Item& item : other) insert_or_assign(item.key(), item.value());
  }
  Value& insert_or_assign(const Key& key, Value value) {
    if (Value* v = find(key)) return *v = std::move(value);
    return insert(key, std::move(value));
  }
  /// Removes the entry under `key`; raises nabla::Error when there is none.
  void erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end())
      throw Error(key_description_ + " '" + key_str(key) + "' is not defined");
    size_t pos = it->second;
    index_.erase(it);
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    for (size_t i = pos; i < items_.size(); ++i) index_[items_[i].key()] = i;
  }
  void clear() {
    items_.clear();
    index_.clear();
  }

  const std::vector<Item>& items() const noexcept { return items_; }
  std::vector<Key> keys() const {
    std::vector<Key> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.key());
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.value());
    return out;
  }
  std::vector<std::pair<Key, Value>> pairs() const {
    std::vector<std::pair<Key, Value>> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.pair());
    return out;
  }

 private:
  Item& at_index(size_t index, const char* what) {
    if (index >= items_.size())
      throw Error("[OrderedDict::" + std::string(what) + "] index " + std::to_string(index) +
                  " is out of range for a dict of size " + std::to_string(items_.size()));
    return items_[index];
  }
  template <class K>
  static std::string key_str(const K& key) {
    if constexpr (std::is_convertible_v<const K&, std::string>) {
      return std::string(key);
    } else {
      return std::to_string(key);
    }
  }

  std::vector<Item> items_;
  std::unordered_map<Key, size_t> index_;
  std::string key_description_ = "Key";
};

}  // namespace nabla
