// libFuzzer target: the IDX reader (plain and gzip) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/idx_reader.h"
#include "nabla/nabla.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    nabla::Tensor t = nabla::data::detail::read_idx_from_memory(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    if (t.numel() > 0) (void)t.to(nabla::kDouble).sum().item<double>();
  } catch (const nabla::Error&) {
  }
  return 0;
}
