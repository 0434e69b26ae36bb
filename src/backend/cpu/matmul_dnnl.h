// bfloat16 products on oneDNN (src/backend/cpu/matmul_dnnl.cpp), for CpuBackend::matmul.
#pragma once

#include <cstdint>

namespace nabla::cpu {

/// One matrix operand: its first element and its strides in elements.
struct MatOperand {
  void* data = nullptr;
  int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;
};

/// c [m, n] = beta * c + a [m, k] @ b [k, n], all bfloat16 (c with unit column stride), with
/// float32 accumulation. False, having touched nothing, where it does not apply: built
/// without oneDNN, NABLA_DISABLE_DNNL=1, a CPU without AVX512-BF16, a shape oneDNN rejects.
bool dnnl_matmul_bf16(const MatOperand& a, const MatOperand& b, const MatOperand& c, int64_t k,
                      float beta);

}  // namespace nabla::cpu
