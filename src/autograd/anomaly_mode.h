// What the graph and the engine use of anomaly detection (nabla/autograd/anomaly_mode.h).
#pragma once

#include <string>
#include <vector>

#include "nabla/autograd.h"

namespace nabla::autograd {

/// Return addresses of the calling thread's stack (taken when a node is made in anomaly mode).
std::vector<void*> capture_forward_stack();
/// One line per frame, demangled where the binary names the function; recording frames omitted.
std::string symbolize(const std::vector<void*>& frames);
/// In anomaly mode (with check_nan), raises nabla::Error naming `node` and where its forward
/// was called if one of the gradients it produced holds a NaN.
void check_gradients_for_nan(const Node& node, const variable_list& grads);

}  // namespace nabla::autograd
