// Module and optimizer checkpoints (see checkpoint.h). Loading checks every name and shape
// against the model before changing anything, so a bad checkpoint leaves the model untouched.
#include "nabla/checkpoint.h"

#include <set>

#include "core/check.h"
#include "nabla/autograd.h"

namespace nabla {
namespace nn {

NamedTensors state_dict(const Module& module) {
  NamedTensors state;
  for (const auto& item : module.named_parameters()) state.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers()) state.emplace_back(item.key(), item.value());
  return state;
}

void load_state_dict(Module& module, const NamedTensors& state, bool strict) {
  NamedTensors targets = state_dict(module);
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, t] : state) given[name] = &t;
  std::vector<std::string> missing, mismatched;
  std::set<std::string> known;
  for (const auto& [name, target] : targets) {
    known.insert(name);
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else if (it->second->sizes() != target.sizes()) {
      mismatched.push_back(fmt::format("{}: checkpoint has shape {}, the model {}", name,
                                       it->second->sizes(), target.sizes()));
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : state)
    if (!known.count(name)) unexpected.push_back(name);
  NABLA_CHECK(mismatched.empty(), "[load_state_dict] shapes do not match: {}",
              fmt::join(mismatched, "; "));
  NABLA_CHECK(!strict || (missing.empty() && unexpected.empty()),
              "[load_state_dict] missing keys: [{}]; unexpected keys: [{}]",
              fmt::join(missing, ", "), fmt::join(unexpected, ", "));
  NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    auto it = given.find(name);
    if (it != given.end()) target.copy_(*it->second);
  }
}

}  // namespace nn

void save(const nn::Module& module, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  save(nn::state_dict(module), path, metadata);
}

namespace {
// Names the file in an error that does not already (the reader's own errors do): once only.
[[noreturn]] void rethrow_naming(const Error& e, const std::string& path) {
  const std::string what = e.what();
  if (what.find(path) != std::string::npos) throw e;
  throw Error(fmt::format("{} (loading '{}')", what, path));
}
}  // namespace

void load(nn::Module& module, const std::string& path, bool strict) {
  try {
    nn::load_state_dict(module, load_safetensors(path), strict);
  } catch (const Error& e) {
    rethrow_naming(e, path);
  }
}

void save(const optim::Optimizer& optimizer, const std::string& path) {
  save(optimizer.state_dict(), path);
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  try {
    optimizer.load_state_dict(load_safetensors(path));
  } catch (const Error& e) {
    rethrow_naming(e, path);
  }
}

}  // namespace nabla
