// Test hooks (not API): a second device for tests of the device contract and of the
// composite fallbacks, on a machine that has only the CPU.
#pragma once

#include <cstdint>

namespace nabla::detail {

/// What the test device's backend was asked to do, counted since install_test_device().
struct TestDeviceCounters {
  int64_t to_host = 0;    // device-to-host copies
  int64_t from_host = 0;  // host-to-device copies
  int64_t synchronize = 0;
};

/// Installs a backend for DeviceType::PrivateUse1 that keeps tensors in CPU memory and runs
/// the CPU kernels, but tells the host it cannot read them (item(), printing, .cpu() and the
/// host-side ops go through its copies, which it counts). With fused_kernels false it has none
/// of the fused families, as a backend with only the basic ones. Resets the counters.
TestDeviceCounters& install_test_device(bool fused_kernels);

}  // namespace nabla::detail
