// nabla::cuda: what LibTorch's torch::cuda answers on a machine without CUDA. nabla has the CPU
// backend only, so programs that pick their device with
//   torch::Device device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU);
// run on the CPU; moving a tensor or module to kCUDA raises nabla::Error naming the device.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nabla {
namespace cuda {

/// Always false: nabla has no CUDA backend.
inline bool is_available() { return false; }
inline bool cudnn_is_available() { return false; }
inline size_t device_count() { return 0; }
/// Seeding CUDA generators does nothing when there is no CUDA device (as in LibTorch).
inline void manual_seed(uint64_t /*seed*/) {}
inline void manual_seed_all(uint64_t /*seed*/) {}

}  // namespace cuda
}  // namespace nabla
