// Unfold (im2col) and Fold (col2im), as LibTorch's:
//   F::unfold(x, F::UnfoldFuncOptions({3, 3}).padding(1))   // [N, C, H, W] -> [N, C*9, L]
//   F::fold(cols, F::FoldFuncOptions({H, W}, {3, 3}).padding(1))  // sums overlapping blocks
// L is the number of kernel positions; column c*kh*kw + i*kw + j holds kernel element (i, j)
// of channel c. Unbatched input ([C, H, W] / [C*kh*kw, L]) is accepted too.
#pragma once

#include <cstdint>

#include "nabla/expanding_array.h"
#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {

struct FoldOptions {
  FoldOptions(ExpandingArray<2> output_size, ExpandingArray<2> kernel_size)
      : output_size_(output_size), kernel_size_(kernel_size) {}
  NABLA_ARG(ExpandingArray<2>, output_size);
  NABLA_ARG(ExpandingArray<2>, kernel_size);
  NABLA_ARG(ExpandingArray<2>, dilation) = 1;
  NABLA_ARG(ExpandingArray<2>, padding) = 0;
  NABLA_ARG(ExpandingArray<2>, stride) = 1;
};

struct UnfoldOptions {
  UnfoldOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  NABLA_ARG(ExpandingArray<2>, kernel_size);
  NABLA_ARG(ExpandingArray<2>, dilation) = 1;
  NABLA_ARG(ExpandingArray<2>, padding) = 0;
  NABLA_ARG(ExpandingArray<2>, stride) = 1;
};

namespace functional {
using FoldFuncOptions = FoldOptions;
using UnfoldFuncOptions = UnfoldOptions;
/// [N, C, H, W] -> [N, C*kh*kw, L]: every (dilated, strided) kernel-sized block as a column.
Tensor unfold(const Tensor& input, const UnfoldFuncOptions& options);
/// [N, C*kh*kw, L] -> [N, C, H, W]: the adjoint of unfold; overlapping values add up.
Tensor fold(const Tensor& input, const FoldFuncOptions& options);
}  // namespace functional

class FoldImpl : public Cloneable<FoldImpl> {
 public:
  FoldImpl(ExpandingArray<2> output_size, ExpandingArray<2> kernel_size)
      : FoldImpl(FoldOptions(output_size, kernel_size)) {}
  explicit FoldImpl(const FoldOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  FoldOptions options;
};
NABLA_MODULE(Fold);

class UnfoldImpl : public Cloneable<UnfoldImpl> {
 public:
  UnfoldImpl(ExpandingArray<2> kernel_size)  // NOLINT: implicit, as in LibTorch
      : UnfoldImpl(UnfoldOptions(kernel_size)) {}
  explicit UnfoldImpl(const UnfoldOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  UnfoldOptions options;
};
NABLA_MODULE(Unfold);

}  // namespace nn
}  // namespace nabla
