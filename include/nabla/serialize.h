// Tensors on disk in the safetensors format (https://huggingface.co/docs/safetensors):
// an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
// byte range, then the raw little-endian data. Readable with numpy alone.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {

/// Tensors by name, in the order they were inserted.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// Writes one tensor (under the name "tensor") atomically: a temporary file, then a rename.
void save(const Tensor& tensor, const std::string& path);
/// Writes named tensors atomically; names must be unique and non-empty.
void save(const NamedTensors& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
/// Writes a list of tensors atomically, named "0", "1", ... (as LibTorch's torch::save).
void save(const std::vector<Tensor>& tensors, const std::string& path);
/// Reads what save(const Tensor&, path) wrote (or any file with exactly one tensor). An
/// undefined `tensor` becomes the loaded tensor; a defined one keeps its identity (and
/// requires_grad) and takes the loaded data, shape and strides, as LibTorch's set_: the dtypes
/// must then match.
void load(Tensor& tensor, const std::string& path);
/// Reads what save(const std::vector<Tensor>&, path) wrote: tensors "0", "1", ... in order.
void load(std::vector<Tensor>& tensors, const std::string& path);
/// Reads every tensor of a safetensors file, in file order; every field and offset is checked.
NamedTensors load_safetensors(const std::string& path,
                              std::map<std::string, std::string>* metadata = nullptr);
/// Writes tensors into safetensors bytes in memory / reads them back.
std::string save_to_string(const NamedTensors& tensors,
                           const std::map<std::string, std::string>& metadata = {});
NamedTensors load_from_string(const std::string& bytes,
                              std::map<std::string, std::string>* metadata = nullptr,
                              const std::string& source = "<memory>");

}  // namespace nabla
