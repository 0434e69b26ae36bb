// nabla: tensors, reverse-mode automatic differentiation and the pieces to train networks,
// with LibTorch's C++ API in namespace nabla.
//
// A short tour:
//   #include <nabla/nabla.h>
//
//   nabla::manual_seed(0);
//   auto x = nabla::randn({64, 784});                          // float32, on the CPU
//   auto w = nabla::randn({784, 10}, nabla::requires_grad());  // a leaf that wants gradients
//   auto loss = x.mm(w).relu().pow(2).mean();                  // the graph is recorded here
//   loss.backward();                                           // ... and walked back here
//   std::cout << w.grad().sizes() << "\n";                     // [784, 10]
//   {
//     nabla::NoGradGuard no_grad;                              // updates are not recorded
//     w -= 0.1 * w.grad();
//     w.mutable_grad().zero_();
//   }
//
// Tensors are handles: copying one shares storage, and views (view, t, slice, select, ...)
// share it too. Every misuse raises nabla::Error naming the op and what was wrong:
//   nabla::mm(nabla::ones({3, 4}), nabla::ones({5, 2}));
//   // [mm] shapes [3, 4] and [5, 2] cannot be multiplied (4 != 5)
//
// Headers: tensor.h (the Tensor class), ops.h (free functions), creation.h (nabla::tensor),
// indexing.h (Slice, None, Ellipsis), autograd.h (NoGradGuard, autograd::grad, gradcheck,
// to_dot), serialize.h (safetensors save/load), print.h (print options).
#pragma once

#include "nabla/autocast.h"
#include "nabla/autograd.h"
#include "nabla/autograd/custom_function.h"
#include "nabla/checkpoint.h"
#include "nabla/conv.h"
#include "nabla/core.h"
#include "nabla/creation.h"
#include "nabla/cuda.h"
#include "nabla/data.h"
#include "nabla/indexing.h"
#include "nabla/ivalue.h"
#include "nabla/memory.h"
#include "nabla/nn.h"
#include "nabla/nn/aten_functions.h"
#include "nabla/nn/utils/clip_grad.h"
#include "nabla/ops.h"
#include "nabla/optim.h"
#include "nabla/print.h"
#include "nabla/pytorch_file.h"
#include "nabla/serialize.h"
#include "nabla/serialize/archive.h"
#include "nabla/special.h"
#include "nabla/str.h"
#include "nabla/tensor.h"
#include "nabla/tensor_options.h"
#include "nabla/version.h"
