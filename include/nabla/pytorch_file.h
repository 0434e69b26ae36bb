// Reading the files Python's torch.save(model.state_dict(), "model.pt") writes: a zip archive
// with data.pkl (the pickled OrderedDict) and one file per tensor storage.
//
//   auto tensors = nabla::load_pytorch_state_dict("model.pt");   // NamedTensors, file order
//   nabla::load_state_dict(model, "model.pt");                   // into a module, by name
//   nabla::load_state_dict(optimizer, "opt.pt");   // torch.save(optimizer.state_dict(), ...)
//
// The pickle is read by a restricted unpickler that knows only what a state_dict contains:
// the opcodes of pickle protocol 2 (dicts, lists, tuples, numbers, bools, None), OrderedDict,
// torch._utils._rebuild_tensor_v2 and _rebuild_parameter, and the typed storages of nabla's dtypes
// (plus Half and BFloat16, which become float32 when asked). Anything else is refused with
// nabla::Error naming it: loading never runs code. Every storage size, offset and stride is checked
// against the archive.
#pragma once

#include <string>

#include "nabla/nn/module.h"
#include "nabla/optim/optimizer.h"
#include "nabla/serialize.h"

namespace nabla {

struct PyTorchLoadOptions {
  /// Convert float16 and bfloat16 tensors to float32 (nabla's default since before it had
  /// 16-bit floats); false keeps them as kHalf and kBFloat16, as torch.load does.
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

/// The state of a torch.save(optimizer.state_dict()) file as Optimizer::state_dict() names it:
/// {"state": {i: {"exp_avg": ...}}, "param_groups": [{"lr": ..., "params": [...]}]} becomes
/// "state.<i>.exp_avg", "param_groups.<g>.lr", "param_groups.<g>.params" (numbers as 0-d
/// tensors, betas as a [2] tensor, the float step count as int64). None values (a buffer not
/// created yet) are left out, and so are PyTorch's implementation switches (foreach, fused,
/// capturable, differentiable) and a scheduler's initial_lr; maximize=True is an error.
NamedTensors load_pytorch_optimizer_state_dict(const std::string& path,
                                               const PyTorchLoadOptions& options = {});

/// Restores an optimizer from a torch.save(optimizer.state_dict()) file written for the same
/// parameters (model.parameters() in the same order and groups): per-parameter state
/// (SGD's momentum_buffer, Adam's and AdamW's step, exp_avg, exp_avg_sq, max_exp_avg_sq, ...)
/// and each group's hyper-parameters (lr, momentum, betas, eps, weight_decay, amsgrad, ...).
/// Raises nabla::Error, changing nothing, when the file's options are another optimizer
/// kind's, or its parameter count or a state's shape differs.
void load_state_dict(optim::Optimizer& optimizer, const std::string& path);

}  // namespace nabla
