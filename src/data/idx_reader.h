// The IDX reader's entry point on bytes in memory, for the fuzzer (fuzz/fuzz_idx.cpp).
#pragma once

#include <string>
#include <string_view>

#include "nabla/tensor.h"

namespace nabla::data::detail {

/// As read_idx, on the bytes of a file (plain or gzip); `name` appears in messages.
Tensor read_idx_from_memory(std::string_view bytes, const std::string& name);

}  // namespace nabla::data::detail
