// Checkpoints of modules and optimizers in safetensors, as LibTorch's torch::save/torch::load.
//   nabla::save(model, "model.safetensors");      // parameters and buffers by dotted name
//   nabla::load(model, "model.safetensors");      // names and shapes must match the model
//   nabla::save(optimizer, "opt.safetensors");    // state, so that training resumes exactly
// Names are those of PyTorch's state_dict ("fc1.weight", "bn.running_mean"), so a file written
// from a PyTorch state_dict (safetensors.torch.save_file(model.state_dict(), path)) loads into
// the same nabla model, and a nabla file loads in Python with numpy alone:
//   import json, struct, numpy as np
//   b = open("model.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]
//   h = json.loads(b[8:8 + n]); data = b[8 + n:]
//   t = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], {"F32": "<f4",
//        "F64": "<f8", "I64": "<i8"}[v["dtype"]]).reshape(v["shape"]) for k, v in h.items() if k !=
//        "__metadata__"}
#pragma once

#include <map>
#include <string>

#include "nabla/nn/module.h"
#include "nabla/optim/optimizer.h"
#include "nabla/serialize.h"

namespace nabla {
namespace nn {

/// Parameters then buffers, by dotted name (PyTorch's state_dict order for simple models).
NamedTensors state_dict(const Module& module);
/// Copies the named tensors into the module's parameters and buffers (in place, keeping their
/// identity). With strict, a missing or unexpected name is an error; a shape mismatch always is.
/// Dtypes are converted to the module's.
void load_state_dict(Module& module, const NamedTensors& state, bool strict = true);

}  // namespace nn

void save(const nn::Module& module, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
void load(nn::Module& module, const std::string& path, bool strict = true);
template <class M>
void save(const nn::ModuleHolder<M>& module, const std::string& path,
          const std::map<std::string, std::string>& metadata = {}) {
  save(*module, path, metadata);
}
template <class M>
void load(nn::ModuleHolder<M>& module, const std::string& path, bool strict = true) {
  load(*module, path, strict);
}

void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

}  // namespace nabla
