// The row kernel of softmax and log_softmax over contiguous rows, shared by the softmax op
// (reduce.cpp) and the fused cross-entropy (fused.cpp), so that cross_entropy's log-probabilities
// are log_softmax's to the bit.
#pragma once

#include <cmath>
#include <cstdint>

#include "backend/cpu/fast_math.h"

namespace nabla::cpu {

/// e^d for d = x - max(row) <= 0. float uses the vectorizable fast::exp; below -87 (where e^d
/// is under float's smallest normal) and for masked entries (-inf) it is exactly 0.
inline float softmax_exp(float d) { return d < -87.0f ? 0.0f : detail::fast::exp(d); }
inline double softmax_exp(double d) { return std::exp(d); }

/// Rows [begin, end) of a contiguous [rows, red] block into `out` (same layout): softmax, or
/// log_softmax when `log`. Each row alone: the same bits for any split of the rows.
void softmax_row_block(const float* x, float* out, int64_t red, bool log, int64_t begin,
                       int64_t end);
void softmax_row_block(const double* x, double* out, int64_t red, bool log, int64_t begin,
                       int64_t end);

}  // namespace nabla::cpu
