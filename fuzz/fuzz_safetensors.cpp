// libFuzzer target: the safetensors reader on arbitrary bytes. Any input must give tensors or
// nabla::Error; what loads is used (reduced, saved again and re-read) so that a wrong geometry
// shows up under AddressSanitizer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/nabla.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    std::map<std::string, std::string> metadata;
    nabla::NamedTensors tensors = nabla::load_from_string(bytes, &metadata, "fuzz");
    for (auto& [name, t] : tensors) {
      if (t.numel() > 0 && t.numel() < (1 << 16)) (void)t.to(nabla::kDouble).sum().item<double>();
    }
    const std::string again = nabla::save_to_string(tensors, metadata);
    nabla::NamedTensors back = nabla::load_from_string(again, nullptr, "fuzz round trip");
    if (back.size() != tensors.size()) __builtin_trap();
  } catch (const nabla::Error&) {
  }
  return 0;
}
