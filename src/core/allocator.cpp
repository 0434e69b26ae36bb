// The allocator registry (allocator.h) and the meta device's allocator.
#include "core/allocator.h"

#include <atomic>

#include "core/check.h"

namespace nabla::detail {
namespace {

/// Meta tensors have shapes, dtypes and strides but no storage.
class MetaAllocator final : public Allocator {
 public:
  void* allocate(size_t) override { return nullptr; }
  void deallocate(void*, size_t) override {}
  bool host_accessible() const override { return false; }
  bool holds_values() const override { return false; }
};

std::atomic<Allocator*> g_private_use1{nullptr};

}  // namespace

Allocator& allocator_for(Device device) {
  switch (device.type()) {
    case DeviceType::CPU:
      return cpu_allocator();
    case DeviceType::Meta: {
      static MetaAllocator* meta = new MetaAllocator();  // never destroyed, as the CPU's
      return *meta;
    }
    case DeviceType::PrivateUse1:
      if (Allocator* a = g_private_use1.load(std::memory_order_acquire)) return *a;
      break;
    case DeviceType::CUDA:
      break;
  }
  NABLA_ERROR("[device] nabla was built without a backend for {}", device.str());
}

void register_allocator(DeviceType type, Allocator* allocator) {
  NABLA_CHECK(type == DeviceType::PrivateUse1,
              "[register_allocator] only PrivateUse1 takes an out-of-tree allocator, got {}",
              Device(type).str());
  g_private_use1.store(allocator, std::memory_order_release);
}

}  // namespace nabla::detail
