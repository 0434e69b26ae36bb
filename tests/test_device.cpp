// The device contract (src/backend/backend.h): Tensor::to's LibTorch overloads, host<->device
// copies, item() and printing through the device copy, synchronize(), device-mismatch errors,
// and a model trained on a device whose backend has only the basic families. The second
// device is nabla's test device (nabla/testing.h): CPU memory behind a backend that does not
// let the host read it directly.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <type_traits>

#include "nabla/nabla.h"
#include "nabla/testing.h"
#include "test_util.h"

using namespace nabla;  // NOLINT
namespace F = nabla::nn::functional;

namespace {

using nabla::test_util::error_of;

const Device kTestDevice(kPrivateUse1);

void expect_equal_values(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_TRUE(a.cpu().to(kDouble).equal(b.cpu().to(kDouble)));
}

}  // namespace

TEST(DeviceTo, OverloadsResolveAsInLibTorch) {
  Tensor t = randn({2, 3});
  // t.to(kCPU) and t.to(Device) take the TensorOptions overload (no ambiguity), as LibTorch.
  static_assert(std::is_same_v<decltype(t.to(kCPU)), Tensor>);
  EXPECT_TRUE(t.to(kCPU).is_same(t));
  EXPECT_TRUE(t.to(Device("cpu")).is_same(t));
  EXPECT_TRUE(t.to(Device(kCPU, 0)).is_same(t));
  EXPECT_TRUE(t.to().is_same(t));
  EXPECT_TRUE(t.cpu().is_same(t));
  EXPECT_TRUE(t.to(kFloat).is_same(t));
  EXPECT_TRUE(t.to(t).is_same(t));
  // copy=true always copies.
  Tensor c = t.to(kCPU, /*non_blocking=*/false, /*copy=*/true);
  EXPECT_FALSE(c.is_same(t));
  EXPECT_NE(c.data_ptr(), t.data_ptr());
  expect_equal_values(c, t);
  EXPECT_NE(t.to(kFloat, false, true).data_ptr(), t.data_ptr());
  // Device and dtype at once, and through TensorOptions.
  EXPECT_EQ(t.to(Device(kCPU), kDouble).scalar_type(), kDouble);
  EXPECT_EQ(t.to(TensorOptions().dtype(kDouble)).scalar_type(), kDouble);
  EXPECT_EQ(t.to(zeros({1}, kLong)).scalar_type(), kLong);
  // A device nabla was built without.
  EXPECT_NE(error_of([&] { t.to(kCUDA); }).find("cuda"), std::string::npos);
  EXPECT_THROW(t.cuda(), Error);
}

TEST(DeviceTo, CopiesBetweenHostAndDevice) {
  detail::TestDeviceCounters& n = detail::install_test_device(true);
  Tensor x = randn({3, 4});
  Tensor d = x.to(kTestDevice);
  EXPECT_EQ(d.device(), kTestDevice);
  EXPECT_EQ(n.from_host, 1);
  EXPECT_TRUE(d.to(kTestDevice).is_same(d));  // already there
  Tensor back = d.cpu();
  EXPECT_EQ(back.device(), Device(kCPU));
  EXPECT_EQ(n.to_host, 1);
  expect_equal_values(back, x);
  // Strided sources, dtype with device, and to(other).
  expect_equal_values(x.t().to(kTestDevice).cpu(), x.t());
  Tensor dd = x.to(kTestDevice, kDouble);
  EXPECT_EQ(dd.device(), kTestDevice);
  EXPECT_EQ(dd.scalar_type(), kDouble);
  EXPECT_EQ(x.to(d).device(), kTestDevice);
  EXPECT_EQ(d.to(x).device(), Device(kCPU));
  // Ops on the device stay there.
  Tensor y = (d * 2 + 1).exp();
  EXPECT_EQ(y.device(), kTestDevice);
  expect_equal_values(y, (x * 2 + 1).exp());
}

TEST(DeviceTo, GradientsFlowBackAcrossDevices) {
  detail::install_test_device(true);
  Tensor x = randn({2, 3}, kDouble).requires_grad_();
  Tensor y = (x.to(kTestDevice) * 3).sum();
  EXPECT_EQ(y.device(), kTestDevice);
  y.backward();
  EXPECT_EQ(x.grad().device(), Device(kCPU));
  expect_equal_values(x.grad(), full({2, 3}, 3.0, kDouble));
}

TEST(DeviceTo, ItemPrintingAndSynchronizeGoThroughTheBackend) {
  detail::TestDeviceCounters& n = detail::install_test_device(true);
  Tensor d = tensor({1.5, -2.0}).to(kTestDevice);
  const int64_t copies = n.to_host;
  EXPECT_EQ(d.sum().item<double>(), -0.5);
  EXPECT_EQ(n.to_host, copies + 1);
  std::ostringstream os;
  os << d;
  EXPECT_NE(os.str().find("device='privateuseone'"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("1.5"), std::string::npos) << os.str();
  EXPECT_EQ(n.to_host, copies + 2);
  std::ostringstream host;
  host << d.cpu();
  EXPECT_EQ(host.str().find("device="), std::string::npos) << host.str();  // the default device
  synchronize(kTestDevice);
  EXPECT_EQ(n.synchronize, 1);
  synchronize(Device(kCPU));  // nothing to wait for
  // Element access needs host memory.
  EXPECT_NE(error_of([&] { d.accessor<float, 1>(); }).find("privateuseone"), std::string::npos);
  // Host-side ops read through the copy and answer on the device.
  Tensor nz = nonzero(d);
  EXPECT_EQ(nz.device(), kTestDevice);
  EXPECT_EQ(nz.size(0), 2);
  auto [values, indices] = d.sort();
  EXPECT_EQ(indices.device(), kTestDevice);
  EXPECT_EQ(values[0].item<double>(), -2.0);
}

TEST(DeviceTo, MismatchErrorsNameBothDevices) {
  detail::install_test_device(true);
  Tensor a = randn({2, 2}), b = randn({2, 2}).to(kTestDevice);
  for (const std::string& m : {error_of([&] { (void)(a + b); }), error_of([&] { (void)a.mm(b); }),
                               error_of([&] { (void)F::linear(a, b); })}) {
    EXPECT_NE(m.find("cpu"), std::string::npos) << m;
    EXPECT_NE(m.find("privateuseone"), std::string::npos) << m;
  }
}

// A device whose backend has only the basic families runs the fused ops' compositions: an
// LSTM, a GRU cell, linear, cross-entropy and Adam train there as on the CPU.
TEST(DeviceTo, ModelTrainsOnABackendWithoutFusedFamilies) {
  auto run = [](Device device) {
    manual_seed(3);
    nn::LSTM lstm(nn::LSTMOptions(3, 4));
    nn::GRUCell cell(4, 4);
    nn::Linear head(4, 3);
    std::vector<Tensor> params;
    for (nn::Module* m : std::vector<nn::Module*>{lstm.get(), cell.get(), head.get()}) {
      m->to(device, kDouble);
      for (auto& p : m->parameters()) params.push_back(p);
    }
    optim::Adam opt(params, optim::AdamOptions(0.01));
    Tensor x = randn({5, 2, 3}, kDouble).to(device);
    Tensor target = tensor(std::vector<int64_t>{1, 2}).to(device);
    Tensor loss;
    for (int step = 0; step < 2; ++step) {
      opt.zero_grad();
      Tensor h = std::get<0>(lstm(x));
      loss = F::cross_entropy(head(cell(h[-1])), target);
      loss.backward();
      opt.step();
    }
    EXPECT_EQ(loss.device(), device);
    EXPECT_EQ(head->weight.device(), device);
    return std::make_pair(loss.cpu(), head->weight.detach().cpu());
  };
  detail::install_test_device(/*fused_kernels=*/false);
  auto [loss_device, w_device] = run(kTestDevice);
  auto [loss_cpu, w_cpu] = run(Device(kCPU));
  EXPECT_TRUE(loss_device.allclose(loss_cpu, 1e-10, 1e-12));
  EXPECT_TRUE(w_device.allclose(w_cpu, 1e-10, 1e-12));
}

// ---- the meta device: shapes, dtypes and strides without storage ----------------------------

TEST(MetaDevice, OpsGiveShapesAndDtypesWithoutData) {
  Tensor a = randn({4, 3}, TensorOptions().device(kMeta));
  Tensor b = zeros({3, 5}, TensorOptions().device(kMeta).dtype(kDouble));
  EXPECT_EQ(a.device(), Device(kMeta));
  Tensor c = a.to(kDouble).mm(b).relu().sum(1);
  EXPECT_EQ(c.device(), Device(kMeta));
  EXPECT_EQ(c.sizes(), IntArrayRef({4}));
  EXPECT_EQ(c.scalar_type(), kDouble);
  EXPECT_EQ(randn({2, 3}).to(kMeta).t().contiguous().strides(), IntArrayRef({2, 1}));
  // A layer and a loss, with autograd, on meta.
  nn::Linear layer(3, 2);
  layer->to(kMeta);
  Tensor y = layer(a);
  EXPECT_EQ(y.sizes(), IntArrayRef({4, 2}));
  Tensor loss = y.square().mean();
  loss.backward();
  EXPECT_EQ(layer->weight.grad().device(), Device(kMeta));
  EXPECT_EQ(layer->weight.grad().sizes(), IntArrayRef({2, 3}));
}

// Ops whose checks read values (an integer divisor's zeros) skip those checks on meta; the
// out= forms work there too.
TEST(MetaDevice, ValueChecksAreSkippedAndOutFormsWork) {
  const Tensor a = zeros({4, 3}, TensorOptions().device(kMeta).dtype(kLong));
  const Tensor b = zeros({3}, TensorOptions().device(kMeta).dtype(kLong));
  for (const Tensor& q : {a.floor_divide(b), a.remainder(b), a.fmod(b), a.div(b, "trunc")}) {
    EXPECT_EQ(q.device(), Device(kMeta));
    EXPECT_EQ(q.sizes(), IntArrayRef({4, 3}));
    EXPECT_EQ(q.scalar_type(), kLong);
  }
  Tensor out = empty({0}, TensorOptions().device(kMeta));
  const Tensor x = randn({4, 3}, TensorOptions().device(kMeta));
  mm_out(out, x, x.t());
  EXPECT_EQ(out.sizes(), IntArrayRef({4, 4}));
  add_out(out, x, x);
  EXPECT_EQ(out.sizes(), IntArrayRef({4, 3}));
  cat_out(out, {x, x});
  EXPECT_EQ(out.sizes(), IntArrayRef({8, 3}));
  EXPECT_EQ(out.device(), Device(kMeta));
}

TEST(MetaDevice, ValuesCannotBeRead) {
  Tensor m = ones({2, 3}).to(kMeta);
  EXPECT_NE(error_of([&] { (void)m.sum().item<float>(); }).find("[meta]"), std::string::npos);
  EXPECT_THROW(m.cpu(), Error);
  // No memory, at any offset (as LibTorch's meta tensors).
  EXPECT_EQ(m.data_ptr(), nullptr);
  EXPECT_EQ(m.narrow(1, 1, 2).data_ptr(), nullptr);
  std::ostringstream os;
  os << m;
  EXPECT_EQ(os.str(), "tensor(..., device='meta', size=[2, 3], dtype=float32)");
}
