// The 16-bit floats (kHalf, kBFloat16): conversions bit for bit against PyTorch and the CPU's
// own F16C instructions, promotion, factories, printing, files, and ops computed in float32
// and rounded once, against PyTorch's results (tests/data/half_fixtures.json, from
// scripts/make_half_fixtures.py).
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "nabla/fused.h"
#include "nabla/nabla.h"
#include "nabla/op_list.h"

using nabla::BFloat16;
using nabla::Half;
using nabla::Tensor;

namespace {

const nlohmann::json& fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream f(NABLA_TEST_DATA_DIR "/half_fixtures.json");
    EXPECT_TRUE(f.good()) << "missing tests/data/half_fixtures.json";
    return nlohmann::json::parse(f);
  }();
  return j;
}

nabla::ScalarType dtype_named(const std::string& name) {
  static const std::map<std::string, nabla::ScalarType> names = {
      {"float16", nabla::kHalf},   {"bfloat16", nabla::kBFloat16}, {"float32", nabla::kFloat},
      {"float64", nabla::kDouble}, {"int32", nabla::kInt},         {"int64", nabla::kLong},
      {"uint8", nabla::kByte},     {"bool", nabla::kBool}};
  return names.at(name);
}

float float_of_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

[[gnu::target("f16c")]] uint16_t f16c_round(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
[[gnu::target("f16c")]] float f16c_widen(uint16_t h) { return _cvtsh_ss(h); }

// scripts/make_half_fixtures.py's sample(): 2 sin(0.37 i + 1.3 k + 0.5), rounded to dtype.
Tensor sample(std::vector<int64_t> shape, int k, nabla::ScalarType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = 2.0 * std::sin(0.37 * double(i) + 1.3 * k + 0.5);
  return nabla::tensor(v, nabla::TensorOptions().dtype(nabla::kDouble)).reshape(shape).to(dtype);
}

bool same_float(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, 4) == 0;
}

}  // namespace

TEST(Half, ConversionsMatchPyTorchBitForBit) {
  const auto& c = fixtures()["conversions"];
  const auto& in = c["float32"];
  ASSERT_GT(in.size(), 10000u);
  for (size_t i = 0; i < in.size(); ++i) {
    const float f = float_of_bits(in[i].get<uint32_t>());
    if (std::isnan(f)) {  // NaN stays NaN (PyTorch's payload differs between its kernels)
      EXPECT_TRUE(std::isnan(float(Half(f))) && std::isnan(float(BFloat16(f))));
      EXPECT_TRUE(std::isnan(float(Half(c["float16"][i].get<uint16_t>(), Half::from_bits()))));
      EXPECT_TRUE(
          std::isnan(float(BFloat16(c["bfloat16"][i].get<uint16_t>(), BFloat16::from_bits()))));
      continue;
    }
    EXPECT_EQ(Half(f).x, c["float16"][i].get<uint16_t>()) << "float16 of " << f;
    EXPECT_EQ(BFloat16(f).x, c["bfloat16"][i].get<uint16_t>()) << "bfloat16 of " << f;
  }
}

// The same conversions through tensors (the backend's vectorized float32 <-> bfloat16 copy for
// dense tensors, the per-element one for strided views).
TEST(Half, TensorConversionsMatchPyTorch) {
  const auto& c = fixtures()["conversions"];
  std::vector<uint32_t> patterns;
  std::vector<float> values;
  for (const auto& v : c["float32"]) {
    patterns.push_back(v.get<uint32_t>());
    values.push_back(float_of_bits(patterns.back()));
  }
  const auto n = static_cast<int64_t>(patterns.size());
  const Tensor f32 = nabla::tensor(values);
  for (const Tensor& src : {f32, f32.reshape({2, n / 2}).t()}) {
    for (auto dtype : {nabla::kBFloat16, nabla::kHalf}) {
      const Tensor low = src.to(dtype).contiguous().reshape({-1});
      const Tensor order = src.contiguous().reshape({-1});
      const auto* bits = static_cast<const uint16_t*>(low.data_ptr());
      const auto* in = static_cast<const uint32_t*>(order.data_ptr());
      const char* name = dtype == nabla::kHalf ? "float16" : "bfloat16";
      std::map<uint32_t, uint16_t> want;
      for (size_t i = 0; i < patterns.size(); ++i) want[patterns[i]] = c[name][i].get<uint16_t>();
      for (int64_t i = 0; i < n; ++i) {
        const float f = float_of_bits(in[i]);
        if (std::isnan(f)) continue;  // checked by ConversionsMatchPyTorch
        ASSERT_EQ(bits[i], want.at(in[i])) << name << " of " << f;
      }
      // And back: every 16-bit value is exact in float32.
      const Tensor back = low.to(nabla::kFloat);
      for (int64_t i = 0; i < n; i += 97) {
        const float want_f = dtype == nabla::kHalf
                                 ? float(Half(bits[i], Half::from_bits()))
                                 : float(BFloat16(bits[i], BFloat16::from_bits()));
        EXPECT_TRUE(same_float(back[i].item<float>(), want_f)) << i;
      }
    }
  }
}

namespace {
// Every dtype's element type, to convert with C++'s own casts.
template <class F>
void for_each_element_type(F f) {
  f(bool{}, nabla::kBool);
  f(uint8_t{}, nabla::kByte);
  f(int32_t{}, nabla::kInt);
  f(int64_t{}, nabla::kLong);
  f(Half{}, nabla::kHalf);
  f(BFloat16{}, nabla::kBFloat16);
  f(float{}, nabla::kFloat);
  f(double{}, nabla::kDouble);
}

template <class T>
constexpr bool is_floating_element =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

template <class To, class From>
To cast_element(From v) {
  if constexpr (std::is_same_v<To, bool>)
    return v != From(0);
  else
    return static_cast<To>(v);
}

template <class T>
bool same_element(T a, T b) {
  if constexpr (is_floating_element<T>) {
    if (std::isnan(static_cast<double>(a)) && std::isnan(static_cast<double>(b))) return true;
  }
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}
}  // namespace

// Copies between every pair of dtypes, dense and strided on either side: each element as C++
// converts it (a 16-bit float through float, the only conversion Half and BFloat16 have). Values
// outside an integer dtype's range, and NaN or infinity, go between the floating dtypes only
// (converting them to an integer is undefined in C++, and PyTorch leaves it unspecified).
TEST(Half, CopiesBetweenEveryPairOfDtypesConvertAsTheElementTypes) {
  const std::vector<double> any_dtype = {0, 1, 2.5, 7.75, 100, 255};
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> floating = {0,     -0.0, 1,     -3.5,  2.5,   std::nan(""),
                                        inf,   -inf, 1e-8,  65520, 3e38,  1e-40,
                                        255.5, 0.1,  -1e-5, 7e4,   1e300, -2.75};
  int pairs = 0;
  for_each_element_type([&](auto from_tag, nabla::ScalarType from) {
    using From = decltype(from_tag);
    for_each_element_type([&](auto to_tag, nabla::ScalarType to) {
      using To = decltype(to_tag);
      const bool both_floating = is_floating_element<From> && is_floating_element<To>;
      const std::vector<double>& values = both_floating ? floating : any_dtype;
      const auto n = static_cast<int64_t>(values.size());
      const Tensor src = nabla::tensor(values, nabla::TensorOptions().dtype(nabla::kDouble))
                             .to(from)
                             .reshape({2, n / 2});
      const Tensor dense = src.to(to);                 // dense to dense
      const Tensor from_strided = src.t().to(to).t();  // strided source
      Tensor into_strided = nabla::empty({n / 2, 2}, nabla::TensorOptions().dtype(to)).t();
      into_strided.copy_(src);  // strided destination
      const Tensor src_c = src.contiguous();
      const auto* in = static_cast<const From*>(src_c.data_ptr());
      for (const Tensor& out : {dense, from_strided, into_strided}) {
        ASSERT_EQ(out.scalar_type(), to);
        const Tensor out_c = out.contiguous();
        const auto* got = static_cast<const To*>(out_c.data_ptr());
        for (int64_t i = 0; i < n; ++i)
          ASSERT_TRUE(same_element(got[i], cast_element<To>(in[i])))
              << from << " -> " << to << ", element " << i << " (" << values[size_t(i)] << ")";
      }
      ++pairs;
    });
  });
  EXPECT_EQ(pairs, 64);
}

// A copy within one dtype moves bits: NaN payloads and signaling NaNs come through unchanged,
// dense and strided.
TEST(Half, CopiesWithinADtypeKeepEveryBit) {
  const std::vector<uint16_t> half_bits = {0x7D01, 0x7E55, 0xFE01, 0x0001, 0x8000, 0x3C00};
  const std::vector<uint16_t> bf16_bits = {0x7F81, 0x7FC5, 0xFF81, 0x0001, 0x8000, 0x3F80};
  const std::vector<uint32_t> f32_bits = {0x7F800001u, 0x7FC12345u, 0xFF800003u,
                                          0x00000001u, 0x80000000u, 0x3F800000u};
  const auto check = [](auto bits, nabla::ScalarType dtype) {
    using Bits = typename decltype(bits)::value_type;
    const auto n = static_cast<int64_t>(bits.size());
    Tensor t = nabla::empty({n}, nabla::TensorOptions().dtype(dtype));
    std::memcpy(t.data_ptr(), bits.data(), bits.size() * sizeof(Bits));
    const Tensor m = t.reshape({2, n / 2});
    for (const Tensor& copy : {t.clone(), m.t().contiguous().t().contiguous().reshape({-1}),
                               nabla::empty_like(m.t()).copy_(m.t()).t().reshape({-1})}) {
      ASSERT_EQ(copy.scalar_type(), dtype);
      EXPECT_EQ(std::memcmp(copy.contiguous().data_ptr(), bits.data(), bits.size() * sizeof(Bits)),
                0)
          << dtype;
    }
  };
  check(half_bits, nabla::kHalf);
  check(bf16_bits, nabla::kBFloat16);
  check(f32_bits, nabla::kFloat);
}

TEST(Half, EveryHalfAndBFloat16ValueRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto b = static_cast<uint16_t>(bits);
    const float h = Half(b, Half::from_bits());
    const float bf = BFloat16(b, BFloat16::from_bits());
    if (std::isnan(h)) {
      EXPECT_TRUE(std::isnan(float(Half(h))));
    } else {
      EXPECT_EQ(Half(h).x, b) << std::hex << bits;
    }
    if (std::isnan(bf)) {
      EXPECT_TRUE(std::isnan(float(BFloat16(bf))));
    } else {
      EXPECT_EQ(BFloat16(bf).x, b) << std::hex << bits;
    }
  }
}

TEST(Half, AgreesWithTheCpusF16cInstructions) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C on this CPU";
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto b = static_cast<uint16_t>(bits);
    ASSERT_TRUE(same_float(Half(b, Half::from_bits()), f16c_widen(b))) << std::hex << bits;
  }
  // Every 2^-8th float32 bit pattern, over all signs and exponents: a stride that is odd in
  // the low bits, so that ties and near ties of the 13 dropped bits are all visited.
  for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 257 * 64 + 1) {
    const float f = float_of_bits(static_cast<uint32_t>(u));
    const uint16_t want = f16c_round(f);
    const uint16_t got = Half(f).x;
    if (std::isnan(f)) {
      EXPECT_EQ(got & 0x7E00, 0x7E00);
    } else {
      ASSERT_EQ(got, want) << std::hex << u;
    }
  }
}

TEST(Half, PromotionMatchesPyTorch) {
  const auto& p = fixtures()["promotion"];
  for (const auto& row : p["pairs"]) {
    const auto a = dtype_named(row[0]), b = dtype_named(row[1]), want = dtype_named(row[2]);
    EXPECT_EQ(nabla::promoteTypes(a, b), want) << row.dump();
    const Tensor x = nabla::ones({2}, nabla::TensorOptions().dtype(a));
    const Tensor y = nabla::ones({2}, nabla::TensorOptions().dtype(b));
    if (a != nabla::kBool || b != nabla::kBool) {
      EXPECT_EQ((x + y).scalar_type(), want) << row.dump();
    }
  }
  for (const auto& row : p["with_scalar"]) {
    const auto a = dtype_named(row[0]), want = dtype_named(row[2]);
    const std::string s = row[1];
    const Tensor x = nabla::ones({2}, nabla::TensorOptions().dtype(a));
    const Tensor r = s == "2.5" ? x * 2.5 : (s == "3" ? x * 3 : x * true);
    EXPECT_EQ(r.scalar_type(), want) << row.dump();
  }
  // A number stays weaker than a 0-d tensor through subtraction and add's alpha (t - 0.5 is
  // t + (-1) * 0.5 inside): torch.tensor(0.5, dtype=torch.bfloat16) - 0.5 is bfloat16.
  for (auto dt : {nabla::kBFloat16, nabla::kHalf, nabla::kFloat, nabla::kInt}) {
    const Tensor t = nabla::full({}, 1, nabla::TensorOptions().dtype(dt));
    EXPECT_EQ((t - 1).scalar_type(), dt) << dt;
    EXPECT_EQ(t.sub(1, 2).scalar_type(), dt) << dt;
    EXPECT_EQ(t.add(1, 3).scalar_type(), dt) << dt;
    EXPECT_EQ((1 - t).scalar_type(), dt) << dt;
  }
  EXPECT_EQ((nabla::full({}, 1.0, nabla::dtype(nabla::kBFloat16)) - 0.5).scalar_type(),
            nabla::kBFloat16);
}

TEST(Half, FactoriesConversionsItemAndPrinting) {
  for (auto dtype : {nabla::kHalf, nabla::kBFloat16}) {
    const auto opts = nabla::TensorOptions().dtype(dtype);
    EXPECT_EQ(nabla::elementSize(dtype), 2u);
    const Tensor z = nabla::zeros({2, 3}, opts);
    EXPECT_EQ(z.scalar_type(), dtype);
    EXPECT_EQ(z.nbytes(), 12u);
    EXPECT_EQ(nabla::full({2}, 0.1, opts)[0].item<double>(),
              double(float(dtype == nabla::kHalf ? float(Half(0.1f)) : float(BFloat16(0.1f)))));
    const Tensor a = nabla::arange(0, 6, opts);
    EXPECT_EQ(a.scalar_type(), dtype);
    EXPECT_EQ(a[5].item<float>(), 5.0f);
    // Conversions to and from every dtype go through float32's value.
    const Tensor f = nabla::tensor({1.0f, -2.5f, 1e-3f, 300.0f});
    const Tensor h = f.to(dtype);
    EXPECT_EQ(h.scalar_type(), dtype);
    EXPECT_TRUE(h.to(nabla::kFloat).allclose(f, 1e-2, 0));
    EXPECT_EQ(h.to(nabla::kLong)[3].item<int64_t>(), 300);
    EXPECT_TRUE(h.to(nabla::kBool).all().item<bool>());
    // bfloat16 -> float16 is exact for these values, as PyTorch's.
    const Tensor other = h.to(dtype == nabla::kHalf ? nabla::kBFloat16 : nabla::kHalf);
    EXPECT_EQ(other.to(nabla::kFloat)[1].item<float>(), -2.5f);
    const Tensor r = nabla::randn({1000}, opts);
    EXPECT_EQ(r.scalar_type(), dtype);
    EXPECT_NEAR(r.to(nabla::kFloat).std().item<double>(), 1.0, 0.1);
    const Tensor u = nabla::rand({1000}, opts);
    EXPECT_GE(u.min().item<double>(), 0.0);
    EXPECT_LE(u.max().item<double>(), 1.0);
    std::ostringstream os;
    os << nabla::tensor({1.5f, 2.0f}).to(dtype);
    EXPECT_NE(os.str().find(dtype == nabla::kHalf ? "float16" : "bfloat16"), std::string::npos)
        << os.str();
    EXPECT_NE(os.str().find("1.5"), std::string::npos) << os.str();
  }
  EXPECT_EQ(nabla::promoteTypes(nabla::kHalf, nabla::kBFloat16), nabla::kFloat);
  EXPECT_TRUE(nabla::isReducedFloatingType(nabla::kBFloat16));
  EXPECT_FALSE(nabla::isReducedFloatingType(nabla::kFloat));
  EXPECT_TRUE(nabla::isFloatingType(nabla::kHalf));
}

// Each op computes in float32 and rounds once: its result equals the float32 result of the
// same (rounded) inputs, rounded to the dtype, and PyTorch's within one unit of the last place.
TEST(Half, OpsMatchPyTorch) {
  for (const std::string name : {"float16", "bfloat16"}) {
    const auto dtype = dtype_named(name);
    const double ulp = dtype == nabla::kHalf ? std::ldexp(1.0, -10) : std::ldexp(1.0, -7);
    const Tensor x = sample({4, 5}, 0, dtype), y = sample({4, 5}, 1, dtype);
    const Tensor w = sample({5, 3}, 2, dtype);
    std::map<std::string, std::function<Tensor()>> ops = {
        {"add", [&] { return x + y; }},
        {"mul", [&] { return x * y; }},
        {"div", [&] { return x / (y.abs() + 1); }},
        {"exp", [&] { return x.exp(); }},
        {"tanh", [&] { return x.tanh(); }},
        {"sigmoid", [&] { return x.sigmoid(); }},
        {"relu", [&] { return x.relu(); }},
        {"sum", [&] { return x.sum(); }},
        {"sum_dim1", [&] { return x.sum(1); }},
        {"mean", [&] { return x.mean(); }},
        {"amax", [&] { return x.amax(1); }},
        {"matmul", [&] { return x.matmul(w); }},
        {"softmax", [&] { return x.softmax(1); }},
        {"log_softmax", [&] { return x.log_softmax(1); }},
        {"add_scalar", [&] { return x + 2.5; }},
    };
    const auto& want = fixtures()["ops"][name];
    int checked = 0;
    for (const auto& [op, f] : ops) {
      if (!want.contains(op)) continue;  // PyTorch 1.13 has no CPU kernel for it
      const Tensor got = f();
      EXPECT_EQ(got.scalar_type(), dtype) << name << " " << op;
      const std::vector<double> values = want[op]["values"];
      const Tensor expected =
          nabla::tensor(values, nabla::TensorOptions().dtype(nabla::kDouble)).reshape(got.sizes());
      const Tensor g = got.to(nabla::kDouble);
      const double tol = ulp * (1 + expected.abs().max().item<double>());
      EXPECT_TRUE(g.allclose(expected, 0, tol)) << name << " " << op << "\n"
                                                << g << "\n"
                                                << expected;
      ++checked;
    }
    EXPECT_GE(checked, 8) << name;
  }
}

TEST(Half, OpsRoundTheFloat32ResultOnce) {
  for (auto dtype : {nabla::kHalf, nabla::kBFloat16}) {
    const Tensor x = nabla::randn({7, 33}).to(dtype), y = nabla::randn({33, 9}).to(dtype);
    const Tensor xf = x.to(nabla::kFloat), yf = y.to(nabla::kFloat);
    // float16 products run the float32 kernel on float32 copies: the same bits. bfloat16 ones
    // may run on oneDNN's bf16 kernels, which sum in another order: one rounding apart.
    if (dtype == nabla::kHalf) {
      EXPECT_TRUE(x.matmul(y).equal(xf.matmul(yf).to(dtype)));
    } else {
      EXPECT_TRUE(x.matmul(y).to(nabla::kFloat).allclose(xf.matmul(yf), 1.0 / 128, 1e-6));
    }
    EXPECT_TRUE((x * x + 1).equal(((xf * xf).to(dtype).to(nabla::kFloat) + 1).to(dtype)));
    EXPECT_TRUE(x.exp().equal(xf.exp().to(dtype)));
    EXPECT_TRUE(x.sum(1).equal(xf.sum(1).to(dtype)));
    const Tensor img = nabla::randn({2, 3, 8, 8}).to(dtype),
                 k = nabla::randn({4, 3, 3, 3}).to(dtype);
    const Tensor conv32 = nabla::conv2d(img.to(nabla::kFloat), k.to(nabla::kFloat));
    if (dtype == nabla::kHalf) {
      EXPECT_TRUE(nabla::conv2d(img, k).equal(conv32.to(dtype)));
    } else {  // oneDNN's bf16 kernels, where present, sum in another order
      EXPECT_TRUE(nabla::conv2d(img, k).to(nabla::kFloat).allclose(conv32, 1.0 / 128, 1e-5));
    }
  }
}

// The unary ops of the op list by name, with polygamma at a fixed order.
namespace unary_ops {
using namespace nabla;  // NOLINT: every op of NABLA_UNARY_OPS by its name
inline Tensor polygamma(const Tensor& x) { return nabla::polygamma(2, x); }
}  // namespace unary_ops

// Every 16-bit value through every elementwise op, dense and strided, and broadcast pairs:
// the result is the float32 result rounded once, bit for bit (NaNs included), as the 16-bit
// floats compute in float32 chunks (src/backend/cpu/float16_loops.h).
TEST(Half, EveryElementwiseOpIsTheFloat32ResultRounded) {
  const auto same_bits = [](const Tensor& a, const Tensor& b) {
    const Tensor ac = a.contiguous(), bc = b.contiguous();
    return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() &&
           std::memcmp(ac.data_ptr(), bc.data_ptr(), ac.nbytes()) == 0;
  };
  const auto rounded = [](const Tensor& float_result, nabla::ScalarType dtype) {
    return float_result.scalar_type() == nabla::kBool ? float_result : float_result.to(dtype);
  };
  for (auto dtype : {nabla::kHalf, nabla::kBFloat16}) {
    Tensor all = nabla::empty({256, 256}, nabla::TensorOptions().dtype(dtype));
    auto* bits = static_cast<uint16_t*>(all.data_ptr());
    for (uint32_t i = 0; i < 65536; ++i) bits[i] = static_cast<uint16_t>(i);
    Tensor shuffled = nabla::empty({256, 256}, nabla::TensorOptions().dtype(dtype));
    auto* other = static_cast<uint16_t*>(shuffled.data_ptr());
    for (uint32_t i = 0; i < 65536; ++i) other[i] = static_cast<uint16_t>(i * 40503u + 12345u);
    for (const Tensor& x : {all, all.t()}) {  // dense, then strided
      const Tensor xf = x.to(nabla::kFloat);
      int checked = 0;
#define NABLA_CHECK_UNARY(F, name, kind, row)                                     \
  EXPECT_TRUE(same_bits(unary_ops::name(x), rounded(unary_ops::name(xf), dtype))) \
      << dtype << " " << #name;                                                   \
  ++checked;
      NABLA_UNARY_OPS(NABLA_CHECK_UNARY)
#undef NABLA_CHECK_UNARY
      EXPECT_GE(checked, 40);
    }
    // Same shape, a broadcast row and a broadcast element on either side.
    const std::vector<std::pair<Tensor, Tensor>> pairs = {
        {all, shuffled}, {all.t(), shuffled[3]}, {shuffled[7][9], all}};
    for (const auto& [a, b] : pairs) {
      const Tensor af = a.to(nabla::kFloat), bf = b.to(nabla::kFloat);
      // The polynomials' degrees: every value taken modulo 48 and floored, so that it is
      // exact in every dtype (a degree of 65504 would cost that many recurrence steps per
      // element, and bfloat16's reach past Laguerre's and Legendre's bound of 1e7).
      const Tensor degree_f = bf.remainder(48).floor(), degree = degree_f.to(dtype);
      // And their x without bfloat16's subnormals: p_1(x) = x returns one unchanged on the
      // bfloat16 path, while the float32 path reads it as 0 (denormals-are-zero).
      const Tensor tiny = af.abs() < std::numeric_limits<float>::min();
      const Tensor x_f = nabla::where(tiny, 0.0, af), x = x_f.to(dtype);
      int checked = 0;
#define NABLA_CHECK_BINARY(F, name, kind, row)                                                     \
  if (std::string(#kind) != "Bitwise") {                                                           \
    const bool polynomial = std::string(#name).find("polynomial") != std::string::npos;            \
    EXPECT_TRUE(                                                                                   \
        same_bits(nabla::name(polynomial ? x : a, polynomial ? degree : b),                        \
                  rounded(nabla::name(polynomial ? x_f : af, polynomial ? degree_f : bf), dtype))) \
        << dtype << " " << #name;                                                                  \
    ++checked;                                                                                     \
  }
      NABLA_BINARY_OPS(NABLA_CHECK_BINARY)
#undef NABLA_CHECK_BINARY
      EXPECT_GE(checked, 19);
    }
  }
}

// bfloat16 convolutions (oneDNN's bf16 kernels where the CPU has AVX512-BF16, float32 copies
// elsewhere): forward, input and weight gradients within a rounding of the float32 results of
// the same values, over strides, padding, dilation and groups, and the same bits on any
// thread count.
TEST(Half, BFloat16ConvolutionsOnEveryPathAndThreadCount) {
  nabla::manual_seed(8);
  const auto bf = nabla::kBFloat16;
  struct Case {
    std::vector<int64_t> x, w;
    int64_t stride, padding, dilation, groups;
  };
  const Case cases[] = {{{3, 4, 9, 9}, {6, 4, 3, 3}, 1, 1, 1, 1},
                        {{20, 4, 11, 10}, {6, 2, 3, 3}, 2, 2, 2, 2},
                        {{2, 1, 28, 28}, {32, 1, 3, 3}, 1, 0, 1, 1},
                        {{4, 32, 14, 14}, {32, 32, 3, 3}, 1, 1, 1, 1}};  // blocked layouts
  for (const Case& c : cases) {
    const Tensor x = nabla::randn(c.x).to(bf), w = nabla::randn(c.w).to(bf);
    auto run = [&](const Tensor& xi, const Tensor& wi) {
      const Tensor xg = xi.detach().requires_grad_(true), wg = wi.detach().requires_grad_(true);
      const Tensor y = nabla::conv2d(xg, wg, {}, c.stride, c.padding, c.dilation, c.groups);
      const Tensor weights = nabla::arange(y.numel()).to(nabla::kFloat).mul(0.1).sin();
      (y.to(nabla::kFloat) * weights.reshape(y.sizes())).sum().backward();
      return std::vector<Tensor>{y, xg.grad(), wg.grad()};
    };
    const std::vector<Tensor> low = run(x, w);
    const std::vector<Tensor> ref = run(x.to(nabla::kFloat), w.to(nabla::kFloat));
    const char* names[] = {"forward", "input gradient", "weight gradient"};
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(low[i].scalar_type(), bf) << names[i];
      const double scale = ref[i].abs().max().item<double>();
      EXPECT_TRUE(low[i].to(nabla::kFloat).allclose(ref[i], 1.0 / 64, scale / 256))
          << names[i] << " max err "
          << (low[i].to(nabla::kFloat) - ref[i]).abs().max().item<double>() << " of " << scale;
    }
    const int threads = nabla::get_num_threads();
    for (int t : {1, 2, 3}) {
      nabla::set_num_threads(t);
      const std::vector<Tensor> again = run(x, w);
      for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(again[i].equal(low[i])) << names[i] << " " << t;
    }
    nabla::set_num_threads(threads);
  }
}

// bfloat16 products on every path (oneDNN's bf16 kernels where the CPU has AVX512-BF16, the
// float32 kernels elsewhere): within a rounding of the float32 product of the same values, the
// same bits for any thread count, transposed and batched operands, and beta (linear's bias).
TEST(Half, BFloat16ProductsOnEveryLayoutAndThreadCount) {
  nabla::manual_seed(6);
  const auto bf = nabla::kBFloat16;
  auto check = [&](const Tensor& got, const Tensor& want_f32, const char* what) {
    EXPECT_EQ(got.scalar_type(), bf) << what;
    const Tensor err = (got.to(nabla::kFloat) - want_f32).abs();
    // One bf16 rounding of the result (2^-9 relative), plus float32 summation-order noise.
    const Tensor bound = want_f32.abs() * (1.0 / 256) + 1e-4;
    EXPECT_TRUE((err <= bound).all().item<bool>())
        << what << " max err " << err.max().item<double>();
  };
  const Tensor a = nabla::randn({130, 300}).to(bf), b = nabla::randn({300, 500}).to(bf);
  const Tensor af = a.to(nabla::kFloat), bf32 = b.to(nabla::kFloat);
  const Tensor ab = a.mm(b);
  check(ab, af.mm(bf32), "mm");
  check(a.mm(b.t().contiguous().t()), af.mm(bf32), "mm with B transposed");
  check(a.t().contiguous().t().mm(b), af.mm(bf32), "mm with A transposed");
  // Chunked by columns (130 rows x 500 columns) and by rows (700 x 90).
  const Tensor tall = nabla::randn({700, 300}).to(bf), narrow = nabla::randn({300, 90}).to(bf);
  const Tensor tn = tall.mm(narrow);
  check(tn, tall.to(nabla::kFloat).mm(narrow.to(nabla::kFloat)), "mm, many rows");
  const int threads = nabla::get_num_threads();
  for (int t : {1, 2, 3}) {
    nabla::set_num_threads(t);
    EXPECT_TRUE(a.mm(b).equal(ab)) << t << " threads";
    EXPECT_TRUE(tall.mm(narrow).equal(tn)) << t << " threads";
  }
  nabla::set_num_threads(threads);
  const Tensor w = nabla::randn({40, 300}).to(bf), bias = nabla::randn({40}).to(bf);
  check(nabla::nn::functional::linear(a, w, bias),
        nabla::nn::functional::linear(af, w.to(nabla::kFloat), bias.to(nabla::kFloat)), "linear");
  const Tensor p = nabla::randn({3, 20, 70}).to(bf), q = nabla::randn({3, 70, 90}).to(bf);
  check(p.bmm(q), p.to(nabla::kFloat).bmm(q.to(nabla::kFloat)), "bmm");
  check(nabla::addmm(ab, a, b, 0.5, 1.0), ab.to(nabla::kFloat) * 0.5 + af.mm(bf32),
        "addmm beta 0.5");
}

TEST(Half, GradientsMatchPyTorch) {
  const auto& want = fixtures()["ops"]["bfloat16"];
  const Tensor x = sample({4, 5}, 0, nabla::kBFloat16).requires_grad_(true);
  const Tensor w = sample({5, 3}, 2, nabla::kBFloat16).requires_grad_(true);
  (nabla::tanh(x.matmul(w)) * 0.5).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().scalar_type(), nabla::kBFloat16);
  for (const auto& [name, got] : {std::pair{"grad_x", x.grad()}, std::pair{"grad_w", w.grad()}}) {
    const std::vector<double> values = want[name]["values"];
    const Tensor expected =
        nabla::tensor(values, nabla::TensorOptions().dtype(nabla::kDouble)).reshape(got.sizes());
    // Two roundings apart at most (PyTorch rounds tanh's output before its backward too).
    EXPECT_TRUE(got.to(nabla::kDouble).allclose(expected, 2e-2, 1e-2)) << name << "\n"
                                                                       << got << "\n"
                                                                       << expected;
  }
}

TEST(Half, ModulesTrainInBFloat16) {
  nabla::manual_seed(0);
  nabla::nn::Linear lin(8, 4);
  lin->to(nabla::kBFloat16);
  EXPECT_EQ(lin->weight.scalar_type(), nabla::kBFloat16);
  nabla::optim::SGD opt(lin->parameters(), 0.1);
  const Tensor x = nabla::randn({16, 8}).to(nabla::kBFloat16);
  const Tensor target = nabla::randn({16, 4}).to(nabla::kBFloat16);
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    const Tensor loss = nabla::nn::functional::mse_loss(lin(x), target);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first * 0.9);
}

// The fused families have float32/float64 kernels: 16-bit tensors run them on float32 copies
// and round the result once (as PyTorch's CPU kernels compute in float32), so the result is
// the float32 result of the same rounded inputs, rounded: the same bits, forward and backward.
// (Their compositions rounded after every op.)
TEST(Half, FusedFamiliesRunInFloat32AndRoundOnce) {
  nabla::manual_seed(1);
  namespace F = nabla::nn::functional;
  for (auto dtype : {nabla::kHalf, nabla::kBFloat16}) {
    const auto low = [&](std::initializer_list<int64_t> shape) {
      return nabla::randn(shape).to(dtype).requires_grad_(true);
    };
    // f16 maps a list of 16-bit inputs to one output; the same function on float32 copies,
    // rounded, must give the same bits, and so must the gradients (float32 gradients rounded).
    const auto check = [&](const char* what, std::vector<Tensor> in,
                           const std::function<Tensor(const std::vector<Tensor>&)>& f) {
      std::vector<Tensor> in32;
      for (const Tensor& t : in) in32.push_back(t.detach().to(nabla::kFloat).requires_grad_(true));
      const Tensor y = f(in), y32 = f(in32);
      ASSERT_EQ(y.scalar_type(), dtype) << what;
      EXPECT_TRUE(y.equal(y32.to(dtype))) << what << "\n" << y << y32;
      const Tensor w = nabla::randn(y.sizes());
      (y.to(nabla::kFloat) * w).sum().backward();
      (y32.to(dtype).to(nabla::kFloat) * w).sum().backward();
      for (size_t i = 0; i < in.size(); ++i) {
        ASSERT_TRUE(in[i].grad().defined()) << what << " input " << i;
        EXPECT_TRUE(in[i].grad().equal(in32[i].grad().to(dtype))) << what << " input " << i;
      }
    };
    const Tensor target =
        nabla::tensor({1, 0, 3, 9, 2, 2}, nabla::TensorOptions().dtype(nabla::kLong));
    check("cross_entropy", {low({6, 10})},
          [&](const auto& x) { return F::cross_entropy(x[0], target); });
    check("layer_norm", {low({6, 10}), low({10}), low({10})}, [](const auto& x) {
      return F::layer_norm(x[0], F::LayerNormFuncOptions({10}).weight(x[1]).bias(x[2]));
    });
    check("batch_norm", {low({4, 3, 5}), low({3}), low({3})}, [](const auto& x) {
      return F::batch_norm(x[0], Tensor(), Tensor(),
                           F::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true));
    });
    check("lstm_cell", {low({5, 16}), low({5, 4})}, [](const auto& x) {
      auto [h, c] = nabla::detail::fused_lstm_cell(x[0], x[1]);
      return nabla::cat({h, c}, 1);
    });
    check("gru_cell", {low({5, 12}), low({5, 12}), low({5, 4})},
          [](const auto& x) { return nabla::detail::fused_gru_cell(x[0], x[1], x[2]); });
    check("gelu", {low({6, 10})}, [](const auto& x) { return F::gelu(x[0]); });
  }
}

TEST(Half, AdamUpdatesBFloat16Parameters) {
  nabla::manual_seed(2);
  nabla::nn::Linear lin(8, 3);
  nabla::nn::Linear ref(8, 3);
  {
    nabla::NoGradGuard no_grad;
    ref->weight.copy_(lin->weight);
    ref->bias.copy_(lin->bias);
  }
  lin->to(nabla::kBFloat16);
  nabla::optim::Adam opt(lin->parameters(), nabla::optim::AdamOptions(1e-2));
  nabla::optim::Adam opt_ref(ref->parameters(), nabla::optim::AdamOptions(1e-2));
  const Tensor x = nabla::randn({16, 8});
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    opt_ref.zero_grad();
    lin(x.to(nabla::kBFloat16)).pow(2).mean().backward();
    ref(x).pow(2).mean().backward();
    opt.step();
    opt_ref.step();
  }
  EXPECT_EQ(lin->weight.scalar_type(), nabla::kBFloat16);
  EXPECT_TRUE(lin->weight.to(nabla::kFloat).allclose(ref->weight, 2e-2, 2e-2));
}

TEST(Half, SafetensorsKeepsTheDtype) {
  const std::string path = testing::TempDir() + "/half.safetensors";
  const Tensor h = nabla::tensor({1.5f, -2.0f, 65504.0f}).to(nabla::kHalf);
  const Tensor b = nabla::tensor({1.5f, -2.0f, 1e30f}).to(nabla::kBFloat16);
  nabla::save({{"h", h}, {"b", b}}, path);
  const auto loaded = nabla::load_safetensors(path);
  ASSERT_EQ(loaded.size(), 2u);
  for (const auto& [name, t] : loaded) {
    const Tensor& want = name == "h" ? h : b;
    EXPECT_EQ(t.scalar_type(), want.scalar_type()) << name;
    EXPECT_TRUE(t.equal(want)) << name;
  }
  std::remove(path.c_str());
}

// ---- autocast ----------------------------------------------------------------------------

TEST(Autocast, ProductsRunIn16BitsAndPrecisionSensitiveOpsInFloat32) {
  nabla::manual_seed(3);
  const Tensor x = nabla::randn({4, 6}), w = nabla::randn({6, 5}), d = x.to(nabla::kDouble);
  EXPECT_FALSE(nabla::autocast::is_cpu_enabled());
  {
    nabla::autocast guard;
    EXPECT_TRUE(nabla::autocast::is_cpu_enabled());
    EXPECT_EQ(nabla::autocast::get_autocast_cpu_dtype(), nabla::kBFloat16);
    EXPECT_EQ(x.mm(w).scalar_type(), nabla::kBFloat16);
    EXPECT_EQ(x.matmul(w).scalar_type(), nabla::kBFloat16);
    EXPECT_EQ(x.unsqueeze(0).bmm(w.unsqueeze(0)).scalar_type(), nabla::kBFloat16);
    EXPECT_EQ(nabla::addmm(nabla::zeros({5}), x, w).scalar_type(), nabla::kBFloat16);
    EXPECT_EQ(nabla::nn::functional::linear(x, w.t()).scalar_type(), nabla::kBFloat16);
    EXPECT_EQ(nabla::conv2d(nabla::randn({1, 2, 5, 5}), nabla::randn({3, 2, 3, 3})).scalar_type(),
              nabla::kBFloat16);
    const Tensor q = nabla::randn({1, 2, 3, 4});
    EXPECT_EQ(nabla::scaled_dot_product_attention(q, q, q).scalar_type(), nabla::kBFloat16);
    const Tensor low = x.mm(w);
    EXPECT_EQ(low.softmax(1).scalar_type(), nabla::kFloat);
    EXPECT_EQ(low.log_softmax(1).scalar_type(), nabla::kFloat);
    namespace F = nabla::nn::functional;
    EXPECT_EQ(F::layer_norm(low, F::LayerNormFuncOptions({5})).scalar_type(), nabla::kFloat);
    const Tensor target = nabla::tensor({0, 1, 4, 2}, nabla::TensorOptions().dtype(nabla::kLong));
    EXPECT_EQ(F::cross_entropy(low, target).scalar_type(), nabla::kFloat);
    EXPECT_EQ(F::mse_loss(low, nabla::zeros({4, 5})).scalar_type(), nabla::kFloat);
    // float64 is left alone, as PyTorch's autocast does.
    EXPECT_EQ(d.mm(w.to(nabla::kDouble)).scalar_type(), nabla::kDouble);
    // Elementwise ops follow promotion: bf16 with float32 gives float32.
    EXPECT_EQ((low + nabla::ones({5})).scalar_type(), nabla::kFloat);
    {
      nabla::autocast off(nabla::kCPU, nabla::kBFloat16, false);
      EXPECT_EQ(x.mm(w).scalar_type(), nabla::kFloat);
    }
    EXPECT_TRUE(nabla::autocast::is_cpu_enabled());
    // The state is per thread: another thread does not autocast.
    nabla::ScalarType other = nabla::kBool;
    std::thread([&] { other = x.mm(w).scalar_type(); }).join();
    EXPECT_EQ(other, nabla::kFloat);
  }
  EXPECT_FALSE(nabla::autocast::is_cpu_enabled());
  EXPECT_EQ(x.mm(w).scalar_type(), nabla::kFloat);
  {
    nabla::autocast guard(nabla::kCPU, nabla::kHalf);
    EXPECT_EQ(x.mm(w).scalar_type(), nabla::kHalf);
  }
  EXPECT_THROW(nabla::autocast(nabla::kCPU, nabla::kFloat), nabla::Error);
  EXPECT_THROW(nabla::autocast(nabla::kCUDA), nabla::Error);
  EXPECT_THROW(nabla::autocast::set_autocast_cpu_dtype(nabla::kDouble), nabla::Error);
  // LibTorch's at::autocast::set_cpu_enabled(true) style.
  nabla::autocast::set_autocast_cpu_dtype(nabla::kBFloat16);
  nabla::autocast::set_cpu_enabled(true);
  EXPECT_EQ(x.mm(w).scalar_type(), nabla::kBFloat16);
  nabla::autocast::set_cpu_enabled(false);
  EXPECT_EQ(x.mm(w).scalar_type(), nabla::kFloat);
}

// Master weights stay float32; their gradients come back through the casts as float32 and
// agree with the float32 run within bfloat16's precision.
TEST(Autocast, GradientsReachFloat32MasterWeights) {
  nabla::manual_seed(4);
  nabla::nn::Sequential model(nabla::nn::Linear(12, 16), nabla::nn::ReLU(),
                              nabla::nn::Linear(16, 5));
  const Tensor x = nabla::randn({32, 12});
  const Tensor y = nabla::randint(0, 5, {32}, nabla::TensorOptions().dtype(nabla::kLong));
  namespace F = nabla::nn::functional;
  auto grads = [&](bool mixed) {
    model->zero_grad();
    Tensor loss;
    {
      nabla::autocast guard(nabla::kCPU, nabla::kBFloat16, mixed);
      loss = F::cross_entropy(model->forward(x), y);
    }
    loss.backward();
    std::vector<Tensor> g;
    for (const Tensor& p : model->parameters()) g.push_back(p.grad().clone());
    return std::pair{loss.item<double>(), g};
  };
  const auto [loss32, g32] = grads(false);
  const auto [loss16, g16] = grads(true);
  EXPECT_NE(loss16, loss32);  // the mixed run did compute in bfloat16
  EXPECT_NEAR(loss16, loss32, 0.02);
  ASSERT_EQ(g16.size(), g32.size());
  for (size_t i = 0; i < g16.size(); ++i) {
    EXPECT_EQ(g16[i].scalar_type(), nabla::kFloat);
    const double scale = g32[i].abs().max().item<double>();
    EXPECT_LT((g16[i] - g32[i]).abs().max().item<double>(), 0.03 * scale + 1e-4) << i;
  }
}

// ---- GradScaler --------------------------------------------------------------------------

TEST(GradScaler, SkipsOverflowingStepsAndAdaptsTheScale) {
  const Tensor w = nabla::ones({3}).requires_grad_(true);
  nabla::optim::SGD opt({w}, 0.5);
  nabla::GradScaler scaler(1024.0, 2.0, 0.5, /*growth_interval=*/2);
  auto iterate = [&](double factor) {
    opt.zero_grad();
    scaler.scale((w * factor).sum()).backward();
    EXPECT_EQ(w.grad()[0].item<double>(), factor * scaler.get_scale());
    scaler.step(opt);
    scaler.update();
  };
  iterate(1.0);  // grad 1 after unscaling: w = 1 - 0.5
  EXPECT_TRUE(w.allclose(nabla::full({3}, 0.5)));
  EXPECT_EQ(scaler.get_scale(), 1024.0);
  EXPECT_EQ(scaler.get_growth_tracker(), 1);
  iterate(1.0);  // second finite step in a row: the scale grows
  EXPECT_EQ(scaler.get_scale(), 2048.0);
  EXPECT_EQ(scaler.get_growth_tracker(), 0);
  iterate(std::numeric_limits<double>::infinity());  // skipped, scale halves
  EXPECT_TRUE(w.allclose(nabla::zeros({3})));
  EXPECT_EQ(scaler.get_scale(), 1024.0);
  // NaN counts as overflow too.
  opt.zero_grad();
  scaler.scale((w * std::nan("")).sum()).backward();
  EXPECT_FALSE(scaler.step(opt).defined());
  scaler.update();
  EXPECT_TRUE(w.allclose(nabla::zeros({3})));
  EXPECT_EQ(scaler.get_scale(), 512.0);
  // unscale_ once per optimizer and iteration; update() after some step.
  opt.zero_grad();
  scaler.scale(w.sum()).backward();
  scaler.unscale_(opt);
  EXPECT_EQ(w.grad()[1].item<double>(), 1.0);
  EXPECT_THROW(scaler.unscale_(opt), nabla::Error);
  scaler.step(opt);  // uses the unscaled gradients, does not unscale again
  EXPECT_TRUE(w.allclose(nabla::full({3}, -0.5)));
  scaler.update();
  EXPECT_THROW(scaler.update(), nabla::Error);
  // The state round-trips; a disabled scaler changes nothing.
  nabla::GradScaler restored;
  restored.load_state_dict(scaler.state_dict());
  EXPECT_EQ(restored.get_scale(), 512.0);
  EXPECT_THROW(restored.load_state_dict({{"scale", 2.0}}), nabla::Error);
  EXPECT_THROW(nabla::GradScaler(-1.0), nabla::Error);
  nabla::GradScaler off(65536.0, 2.0, 0.5, 2000, false);
  EXPECT_TRUE(off.scale(w).is_same(w));
  EXPECT_EQ(off.get_scale(), 1.0);
}

// A gradient of 2e-9 is zero in float16 (smallest subnormal 6e-8): float16 autocast loses it
// without the scaler, and keeps it with one.
TEST(GradScaler, RecoversGradientsThatFloat16Flushes) {
  nabla::manual_seed(5);
  nabla::nn::Linear lin(16, 8);
  const Tensor x = nabla::randn({64, 16});
  auto weight_grad = [&](bool mixed, nabla::GradScaler* scaler) {
    lin->zero_grad();
    Tensor loss;
    {
      nabla::autocast guard(nabla::kCPU, nabla::kHalf, mixed);
      loss = lin(x).to(nabla::kFloat).mean() * 1e-6;
    }
    (scaler ? scaler->scale(loss) : loss).backward();
    nabla::optim::SGD opt(lin->parameters(), 0.0);
    if (scaler) scaler->unscale_(opt);
    return lin->weight.grad().clone();
  };
  const Tensor want = weight_grad(false, nullptr);
  EXPECT_GT(want.abs().max().item<double>(), 1e-9);
  const Tensor flushed = weight_grad(true, nullptr);
  EXPECT_EQ(flushed.abs().max().item<double>(), 0.0);
  nabla::GradScaler scaler;
  const Tensor recovered = weight_grad(true, &scaler);
  EXPECT_TRUE(recovered.allclose(want, 1e-2, 1e-3 * want.abs().max().item<double>()))
      << recovered << want;
}

// Each parameter is cast once per region (PyTorch's cache): a weight used twice gets both
// gradients; no cast made under no_grad is reused; a new region sees changed weights.
TEST(Autocast, CastsEachParameterOncePerRegion) {
  nabla::manual_seed(7);
  nabla::nn::Linear lin(4, 3);
  const Tensor x = nabla::randn({2, 4});
  {
    nabla::autocast guard;
    {
      nabla::NoGradGuard no_grad;
      (void)lin(x);
    }
    const Tensor a = lin(x), b = lin(x);
    EXPECT_EQ(a.scalar_type(), nabla::kBFloat16);
    (a.to(nabla::kFloat).sum() + b.to(nabla::kFloat).sum()).backward();
  }
  ASSERT_TRUE(lin->weight.grad().defined());
  EXPECT_EQ(lin->weight.grad().scalar_type(), nabla::kFloat);
  const Tensor want = nabla::ones({3, 2}).mm(x.to(nabla::kBFloat16).to(nabla::kFloat)) * 2;
  EXPECT_TRUE(lin->weight.grad().allclose(want, 1e-2, 1e-2)) << lin->weight.grad() << want;
  EXPECT_TRUE(lin->bias.grad().allclose(nabla::full({3}, 4.0)));
  {
    nabla::NoGradGuard no_grad;
    lin->weight.fill_(0);
    lin->bias.fill_(0);
  }
  nabla::autocast guard;
  EXPECT_EQ(lin(x).abs().max().item<double>(), 0.0);
}
