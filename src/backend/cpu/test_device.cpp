// The test device (nabla/testing.h): the CPU backend under another device type, with host
// access only through its copies, so that tests on a CPU-only machine exercise the device
// contract and the fallbacks of the fused families.
#include "backend/cpu/cpu_backend.h"
#include "nabla/testing.h"

namespace nabla::detail {

namespace {

/// CPU memory that the host is told it cannot read.
class TestDeviceAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override { return cpu_allocator().allocate(nbytes); }
  void deallocate(void* ptr, size_t nbytes) override { cpu_allocator().deallocate(ptr, nbytes); }
  bool host_accessible() const override { return false; }
};

class TestDeviceBackend final : public cpu::CpuBackend {
 public:
  const char* name() const override { return "privateuseone (test device)"; }
  Allocator& allocator() override { return allocator_; }
  bool supports(FusedOp op, ScalarType dtype) const override {
    return fused_kernels && CpuBackend::supports(op, dtype);
  }
  void copy_to_host(const Tensor& src, const Tensor& dst) override {
    ++counters.to_host;
    copy(src, dst);  // the memory is host memory underneath
  }
  void copy_from_host(const Tensor& src, const Tensor& dst) override {
    ++counters.from_host;
    copy(src, dst);
  }
  void synchronize() override { ++counters.synchronize; }
  // Not the CPU's direct kernel: a device orders through its copies, as the default does.
  void order(const Tensor& x, int64_t dim, int64_t k, bool descending,
             const Tensor& indices) override {
    Backend::order(x, dim, k, descending, indices);
  }

  bool fused_kernels = true;
  TestDeviceCounters counters;

 private:
  TestDeviceAllocator allocator_;
};

}  // namespace

TestDeviceCounters& install_test_device(bool fused_kernels) {
  static TestDeviceBackend backend;  // outlives every tensor made on it
  backend.fused_kernels = fused_kernels;
  backend.counters = {};
  register_backend(DeviceType::PrivateUse1, &backend);
  return backend.counters;
}

}  // namespace nabla::detail
