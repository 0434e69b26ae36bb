// Anomaly detection (LibTorch's DetectAnomalyGuard / AnomalyMode): the node whose backward
// produced NaN is named, with where its forward was called; nothing is checked when it is off.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <string>
#include "test_util.h"

using namespace nabla;  // NOLINT

namespace {

using nabla::test_util::contains;
using nabla::test_util::error_of;

}  // namespace

// sqrt at 0: the backward is 1 / (2 sqrt(0)) * 0 = inf * 0 = NaN. External linkage, so that the
// backtrace can name it.
void sqrt_at_zero_backward();
void sqrt_at_zero_backward() {
  Tensor x = tensor({0.0, 4.0}, requires_grad());
  (x.sqrt() * 0).sum().backward();
}

namespace {

TEST(Anomaly, NamesTheNodeWhoseBackwardReturnedNan) {
  autograd::DetectAnomalyGuard guard;
  const std::string msg = error_of(sqrt_at_zero_backward);
  EXPECT_TRUE(contains(msg, "Function 'SqrtBackward0' returned nan values in its 0th output."))
      << msg;
  // Where the forward ran: a backtrace through the op (this test links with -rdynamic).
  EXPECT_TRUE(contains(msg, "Forward of SqrtBackward0 was called from:")) << msg;
  EXPECT_TRUE(contains(msg, "sqrt")) << msg;
  EXPECT_TRUE(contains(msg, "sqrt_at_zero_backward")) << msg;
}

TEST(Anomaly, DivisionZeroByZero) {
  autograd::DetectAnomalyGuard guard;
  Tensor a = tensor({0.0f, 1.0f}, requires_grad());
  Tensor b = tensor({0.0f, 1.0f}, requires_grad());
  // d(a/b)/da = 1/b -> inf at b = 0, times a zero gradient -> NaN.
  const std::string msg = error_of([&] { ((a / b) * 0).sum().backward(); });
  EXPECT_TRUE(contains(msg, "Function 'DivBackward0' returned nan values in its 0th output."))
      << msg;
}

TEST(Anomaly, OffMeansNoCheck) {
  ASSERT_FALSE(autograd::is_anomaly_enabled());
  EXPECT_EQ(error_of(sqrt_at_zero_backward), "(no error)");
  // The NaN reaches the leaf unchecked.
  Tensor x = tensor({0.0}, requires_grad());
  (x.sqrt() * 0).sum().backward();
  EXPECT_TRUE(std::isnan(x.grad().item<double>()));
  // check_nan=false: the mode is on, NaNs are not checked.
  autograd::DetectAnomalyGuard guard(/*check_nan=*/false);
  EXPECT_TRUE(autograd::is_anomaly_enabled());
  EXPECT_FALSE(autograd::is_anomaly_check_nan_enabled());
  EXPECT_EQ(error_of(sqrt_at_zero_backward), "(no error)");
}

TEST(Anomaly, FiniteGradientsPass) {
  autograd::DetectAnomalyGuard guard;
  Tensor x = tensor({1.0, 4.0}, requires_grad());
  x.sqrt().sum().backward();
  EXPECT_DOUBLE_EQ(x.grad()[1].item<double>(), 0.25);
}

TEST(Anomaly, GuardRestoresThePreviousState) {
  EXPECT_FALSE(autograd::AnomalyMode::is_enabled());
  {
    autograd::DetectAnomalyGuard outer;
    EXPECT_TRUE(autograd::AnomalyMode::is_enabled());
    {
      autograd::DetectAnomalyGuard inner(/*check_nan=*/false);
      EXPECT_FALSE(autograd::AnomalyMode::should_check_nan());
    }
    EXPECT_TRUE(autograd::AnomalyMode::is_enabled());
    EXPECT_TRUE(autograd::AnomalyMode::should_check_nan());
  }
  EXPECT_FALSE(autograd::AnomalyMode::is_enabled());
  autograd::set_detect_anomaly(true);
  { autograd::DetectAnomalyGuard guard; }
  EXPECT_TRUE(autograd::is_anomaly_enabled());
  autograd::set_detect_anomaly(false);
  EXPECT_FALSE(autograd::is_anomaly_enabled());
}

// A node recorded before the mode was turned on has no forward trace, but is still named.
TEST(Anomaly, NodeRecordedBeforeTheModeIsStillNamed) {
  Tensor x = tensor({0.0}, requires_grad());
  Tensor y = (x.sqrt() * 0).sum();
  EXPECT_TRUE(y.grad_fn()->forward_trace().empty());
  autograd::DetectAnomalyGuard guard;
  const std::string msg = error_of([&] { y.backward(); });
  EXPECT_TRUE(contains(msg, "Function 'SqrtBackward0' returned nan")) << msg;
}

}  // namespace
