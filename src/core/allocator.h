// Where each device's memory comes from. Core makes every storage through this registry and
// includes no backend (as c10's GetAllocator/SetAllocator): the CPU's caching allocator and the
// meta device's, which allocates nothing, are core's own; a backend for another device brings
// its allocator when it is registered (detail::register_backend).
#pragma once

#include <cstddef>

#include "nabla/core.h"

namespace nabla {

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// A block of `nbytes` (64-byte aligned on the CPU); nabla::Error when out of memory.
  virtual void* allocate(size_t nbytes) = 0;
  /// Frees a block from allocate(); `nbytes` is the size it was allocated with.
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  /// Whether the host reads and writes this memory directly: element access, printing and
  /// item() need no device-to-host copy.
  virtual bool host_accessible() const = 0;
  /// Whether tensors in this memory have element values at all: not on the meta device, whose
  /// tensors are shapes only. Ops skip their checks of index values there, as PyTorch's meta
  /// kernels do.
  virtual bool holds_values() const { return true; }
};

namespace detail {
/// The allocator of `device`'s memory; nabla::Error naming the device when there is none.
Allocator& allocator_for(Device device);
/// Installs `allocator` for `type`, the out-of-tree device slot (PrivateUse1); null
/// uninstalls. The CPU's and meta's are built in.
void register_allocator(DeviceType type, Allocator* allocator);
/// The CPU's caching allocator.
Allocator& cpu_allocator();
}  // namespace detail

}  // namespace nabla
