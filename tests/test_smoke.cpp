#include <gtest/gtest.h>
#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/indexing.h>
#include <nabla/ops.h>
#include <nabla/print.h>

TEST(Smoke, AddMulBackward) {
  auto a = nabla::tensor({1.0, 2.0, 3.0}, nabla::requires_grad(true));
  auto b = nabla::tensor({4.0, 5.0, 6.0});
  auto c = a * b + a;
  EXPECT_EQ(c.sizes().vec(), std::vector<int64_t>({3}));
  EXPECT_FLOAT_EQ(c[1].item<float>(), 12.0f);
  c.backward(nabla::ones({3}));
  EXPECT_FLOAT_EQ(a.grad()[2].item<float>(), 7.0f);
  EXPECT_EQ(c.grad_fn()->name(), "AddBackward0");
}
