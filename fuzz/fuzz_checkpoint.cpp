// libFuzzer target: a safetensors checkpoint loaded into a model and into its Adam optimizer,
// then one training step. Any input must load (and train without touching memory it should
// not) or raise nabla::Error, leaving the model usable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/checkpoint.h"
#include "nabla/nabla.h"

namespace {
struct Net : nabla::nn::Module {
  Net() {
    fc1 = register_module("fc1", nabla::nn::Linear(4, 3));
    fc2 = register_module("fc2", nabla::nn::Linear(3, 2));
  }
  nabla::Tensor forward(const nabla::Tensor& x) { return fc2->forward(fc1->forward(x).relu()); }
  nabla::nn::Linear fc1{nullptr}, fc2{nullptr};
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto net = std::make_shared<Net>();
  nabla::optim::Adam opt(net->parameters(), nabla::optim::AdamOptions(1e-2));
  // The first byte picks what the rest is loaded into.
  const int mode = size > 0 ? data[0] % 3 : 0;
  try {
    nabla::NamedTensors state =
        nabla::load_from_string(bytes.substr(size > 0 ? 1 : 0), nullptr, "fuzz");
    if (mode == 0) nabla::nn::load_state_dict(*net, state, /*strict=*/true);
    if (mode == 1) nabla::nn::load_state_dict(*net, state, /*strict=*/false);
    if (mode == 2) opt.load_state_dict(state);
  } catch (const nabla::Error&) {
  }
  try {
    opt.zero_grad();
    nabla::Tensor loss = net->forward(nabla::ones({5, 4})).square().mean();
    loss.backward();
    opt.step();
    (void)net->forward(nabla::ones({1, 4})).sum().item<float>();
  } catch (const nabla::Error&) {
  }
  return 0;
}
