// Reading the files Python's torch.save(model.state_dict(), "model.pt") writes: a zip archive
// with data.pkl (the pickled OrderedDict) and one file per tensor storage.
//
//   auto tensors = nabla::load_pytorch_state_dict("model.pt");   // NamedTensors, file order
//   nabla::load_state_dict(model, "model.pt");                   // into a module, by name
//
// The pickle is read by a restricted unpickler that knows only what a state_dict contains:
// the opcodes of pickle protocol 2, OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter, and the typed storages of nabla's dtypes (plus Half and BFloat16, which
// become float32 when asked). Anything else is refused with nabla::Error naming it: loading
// never runs code. Every storage size, offset and stride is checked against the archive.
#pragma once

#include <string>

#include "nabla/nn/module.h"
#include "nabla/serialize.h"

namespace nabla {

struct PyTorchLoadOptions {
  /// Convert float16 and bfloat16 tensors to float32 (nabla has neither); otherwise they are
  /// an error.
  bool half_to_float = true;
};

/// The named tensors of a torch.save(state_dict) file, in the file's order.
NamedTensors load_pytorch_state_dict(const std::string& path,
                                     const PyTorchLoadOptions& options = {});

/// Copies the tensors of a torch.save(state_dict) file into the module's parameters and
/// buffers by name (nn::load_state_dict: with strict, missing and unexpected names are errors).
void load_state_dict(nn::Module& module, const std::string& path, bool strict = true);
template <class M>
void load_state_dict(nn::ModuleHolder<M>& module, const std::string& path, bool strict = true) {
  load_state_dict(*module, path, strict);
}

}  // namespace nabla
