// LibTorch's serialize archives, torch::serialize::OutputArchive and InputArchive, stored as
// safetensors (nabla/serialize.h) rather than TorchScript zip files:
//
//   nabla::serialize::OutputArchive archive;
//   archive.write("step", nabla::IValue(int64_t{10}));
//   nabla::serialize::OutputArchive sub;
//   sub.write("weight", w);                 // saved as the tensor "encoder.weight"
//   archive.write("encoder", sub);
//   model->save(archive);                   // "fc1.weight", "fc1.bias", ...
//   archive.save_to("checkpoint.pt");       // atomic: a temporary file, then a rename
//
//   nabla::serialize::InputArchive in;
//   in.load_from("checkpoint.pt");
//   nabla::serialize::InputArchive enc;
//   in.read("encoder", enc);
//   enc.read("weight", w);                  // "no tensor 'encoder.weight' ..." if missing
//   model->load(in);
//
// A nested archive is a dotted prefix of its tensors' names, so a file written here is a
// plain safetensors file whose names are PyTorch's state_dict names, and a file written by
// nabla::save(module, path) (or Python's safetensors) reads back through an InputArchive.
// Non-tensor values (IValue ints, doubles, bools, strings and their lists) and the names of
// nested archives (even empty ones) are kept in the file's metadata.
//
// Differences from LibTorch: write(key, nested) copies what `nested` holds at that moment
// (LibTorch links it, so later writes to `nested` show); is_buffer is accepted and not stored;
// there is no compilation_unit(); IValue tensor lists and other IValue kinds are refused.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nabla/ivalue.h"
#include "nabla/nn/module.h"
#include "nabla/optim/optimizer.h"
#include "nabla/serialize.h"
#include "nabla/tensor.h"

namespace nabla {
namespace serialize {

/// Collects named tensors, values and nested archives, then writes them to a file or stream.
class OutputArchive final {
 public:
  OutputArchive() = default;
  OutputArchive(OutputArchive&&) = default;
  OutputArchive& operator=(OutputArchive&&) = default;
  OutputArchive(const OutputArchive&) = delete;
  OutputArchive& operator=(const OutputArchive&) = delete;
  ~OutputArchive() = default;

  /// Writes a value: a tensor, or None, bool, int, double, string, int list or double list.
  void write(const std::string& key, const IValue& ivalue);
  /// Writes a tensor (a handle: its data is read when the archive is saved). Writing a key
  /// again replaces the earlier tensor.
  void write(const std::string& key, const Tensor& tensor, bool is_buffer = false);
  /// Writes everything `nested_archive` holds under "key.".
  void write(const std::string& key, OutputArchive& nested_archive);

  /// Writes the archive to `filename` atomically (a temporary file renamed over it).
  void save_to(const std::string& filename);
  void save_to(std::ostream& stream);
  /// Hands the bytes to `func`, which returns how many it took (all of them, or it failed).
  void save_to(const std::function<size_t(const void*, size_t)>& func);

  /// archive("key", tensor) is archive.write("key", tensor).
  template <class... Ts>
  void operator()(Ts&&... ts) {
    write(std::forward<Ts>(ts)...);
  }

  /// nabla: the tensors written so far, by dotted name, in the order first written.
  const NamedTensors& tensors() const noexcept { return tensors_; }

 private:
  std::map<std::string, std::string> metadata() const;

  NamedTensors tensors_;
  std::map<std::string, size_t> tensor_index_;  // name -> position in tensors_
  std::map<std::string, IValue> values_;
  std::vector<std::string> archives_;  // dotted names of the nested archives written
};

/// Reads what an OutputArchive (or nabla::save, or any safetensors file) wrote.
class InputArchive final {
 public:
  InputArchive();
  InputArchive(InputArchive&&) = default;
  InputArchive& operator=(InputArchive&&) = default;
  InputArchive(const InputArchive&) = delete;
  InputArchive& operator=(const InputArchive&) = delete;
  ~InputArchive() = default;

  /// Reads a value: one written as an IValue, or a tensor.
  void read(const std::string& key, IValue& ivalue);
  bool try_read(const std::string& key, IValue& ivalue);
  /// Reads a tensor. An undefined `tensor` becomes the stored one (reading a key twice gives
  /// the same tensor, as in LibTorch); a defined one keeps its identity (and requires_grad)
  /// and takes a copy of the stored data and shape (LibTorch's set_ shares it); the dtypes
  /// must then match. read raises nabla::Error naming the full dotted key if it is missing.
  void read(const std::string& key, Tensor& tensor, bool is_buffer = false);
  bool try_read(const std::string& key, Tensor& tensor, bool is_buffer = false);
  /// Makes `archive` the nested archive "key" (the tensors named "key.*").
  void read(const std::string& key, InputArchive& archive);
  bool try_read(const std::string& key, InputArchive& archive);

  /// Reads a file (every field and offset checked). `device` moves the tensors there.
  void load_from(const std::string& filename, std::optional<Device> device = std::nullopt);
  void load_from(std::istream& stream, std::optional<Device> device = std::nullopt);
  void load_from(const char* data, size_t size, std::optional<Device> device = std::nullopt);

  /// The names directly in this archive (tensors, values and nested archives), in file order.
  std::vector<std::string> keys();

  /// archive("key", tensor) is archive.read("key", tensor).
  template <class... Ts>
  void operator()(Ts&&... ts) {
    read(std::forward<Ts>(ts)...);
  }

  /// nabla: every tensor under this archive, named relative to it ("fc1.weight"), file order.
  NamedTensors tensors() const;
  /// nabla: "encoder." for the nested archive "encoder" (empty at the top).
  const std::string& prefix() const noexcept { return prefix_; }
  /// nabla: the file name read, or "<stream>" / "<memory>", for messages.
  const std::string& source() const noexcept;

 private:
  struct Contents;
  void load_bytes(const std::string& bytes, const std::string& source,
                  std::optional<Device> device);
  void set_contents(NamedTensors tensors, const std::map<std::string, std::string>& metadata,
                    const std::string& source, std::optional<Device> device);
  bool has_archive(const std::string& full_key) const;
  std::string describe_keys() const;

  std::shared_ptr<const Contents> contents_;
  std::string prefix_;
};

}  // namespace serialize

// ---- LibTorch's operators and torch::save / torch::load to streams ------------------------

/// archive << tensor writes it as "0" (LibTorch's torch::save(tensor, ...)).
serialize::OutputArchive& operator<<(serialize::OutputArchive& archive, const Tensor& tensor);
/// Reads "0", or the only tensor of an archive that holds exactly one.
serialize::InputArchive& operator>>(serialize::InputArchive& archive, Tensor& tensor);
serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const std::shared_ptr<nn::Module>& module);
serialize::InputArchive& operator>>(serialize::InputArchive& archive,
                                    const std::shared_ptr<nn::Module>& module);
template <class M>
serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const nn::ModuleHolder<M>& module) {
  module->save(archive);
  return archive;
}
template <class M>
serialize::InputArchive& operator>>(serialize::InputArchive& archive, nn::ModuleHolder<M>& module) {
  module->load(archive);
  return archive;
}
serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const optim::Optimizer& optimizer);
serialize::InputArchive& operator>>(serialize::InputArchive& archive, optim::Optimizer& optimizer);

/// torch::save(value, stream) / torch::load(value, stream): the archive written to a stream
/// (the file versions are in serialize.h and checkpoint.h).
void save(const Tensor& tensor, std::ostream& stream);
void save(const std::vector<Tensor>& tensors, std::ostream& stream);
void save(const nn::Module& module, std::ostream& stream);
void save(const optim::Optimizer& optimizer, std::ostream& stream);
template <class M>
void save(const nn::ModuleHolder<M>& module, std::ostream& stream) {
  save(*module, stream);
}
void load(Tensor& tensor, std::istream& stream);
void load(std::vector<Tensor>& tensors, std::istream& stream);
void load(nn::Module& module, std::istream& stream);
void load(optim::Optimizer& optimizer, std::istream& stream);
template <class M>
void load(nn::ModuleHolder<M>& module, std::istream& stream) {
  load(*module, stream);
}

}  // namespace nabla
