// The CPU caching allocator: what it holds, and how to make it give memory back.
//
// Tensor storage of 4 KiB and more is recycled: a freed block is kept (cached) for the next
// tensor of the same rounded size, so that a training step, which frees and allocates the same
// sizes every iteration, costs no malloc and no fresh page faults. The cache is bounded:
//   - cached (free) blocks never exceed cache_limit() bytes: a block freed beyond it goes back
//     to the system. The default is the smaller of 1 GiB and a quarter of the machine's RAM;
//     the environment variable NABLA_CPU_CACHE_LIMIT (bytes, or with a K, M or G suffix:
//     "512M"; "0" turns caching off) or set_cache_limit() change it;
//   - a block larger than a quarter of the limit is never cached (one huge tensor does not
//     crowd out the step's working set);
//   - empty_cache() returns every cached block, as LibTorch's
//     c10::cuda::CUDACachingAllocator::emptyCache() (torch.cuda.empty_cache()).
// Blocks under 4 KiB are kept per thread (at most 64 of each 64-byte size class).
#pragma once

#include <cstddef>

namespace nabla {

/// Returns every cached CPU block (and this thread's small blocks) to the system. Tensors
/// still alive keep their memory. As LibTorch's CUDACachingAllocator::emptyCache().
void empty_cache();

/// Bytes the CPU caching allocator holds in free blocks (of 4 KiB and more), ready for reuse.
size_t cached_bytes();

/// The bound on cached_bytes(). Lowering it frees cached blocks beyond the new bound now.
void set_cache_limit(size_t bytes);
size_t cache_limit();

}  // namespace nabla
