// The non-template parts of LibTorch-style data transforms (nabla/data/transforms.h).
#include "nabla/data/transforms.h"

#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla::data::transforms {

namespace detail {
Tensor normalize_channels(const std::vector<double>& values) {
  NABLA_CHECK(!values.empty(), "[Normalize] mean and stddev need at least one value");
  return nabla::tensor(values, dtype(kFloat)).view({static_cast<int64_t>(values.size()), 1, 1});
}
}  // namespace detail

namespace {
template <class E>
std::vector<Tensor> field(std::vector<E>& examples, Tensor E::*member) {
  NABLA_CHECK(!examples.empty(), "[Stack] a batch needs at least one example");
  std::vector<Tensor> out;
  out.reserve(examples.size());
  for (auto& e : examples) out.push_back(std::move(e.*member));
  return out;
}
}  // namespace

Example<> Stack<Example<>>::apply_batch(std::vector<Example<>> examples) {
  auto data = field(examples, &Example<>::data);
  auto target = field(examples, &Example<>::target);
  return {nabla::stack(data), nabla::stack(target)};
}

TensorExample Stack<TensorExample>::apply_batch(std::vector<TensorExample> examples) {
  return TensorExample(nabla::stack(field(examples, &TensorExample::data)));
}

}  // namespace nabla::data::transforms
