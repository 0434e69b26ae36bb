// nabla::nn: modules, layers, losses, initializers and their functional forms, with
// LibTorch's C++ frontend API (torch::nn -> nabla::nn).
//   #include <nabla/nabla.h>
//   struct NetImpl : nabla::nn::Module { ... };  NABLA_MODULE(Net);
//   namespace F = nabla::nn::functional;
#pragma once

#include "nabla/nn/adaptive_pooling.h"
#include "nabla/nn/attention.h"
#include "nabla/nn/containers.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/fold.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/nn/loss.h"
#include "nabla/nn/module.h"
#include "nabla/nn/modules.h"
#include "nabla/nn/normalization.h"
#include "nabla/nn/options.h"
#include "nabla/nn/ordered_dict.h"
#include "nabla/nn/padding.h"
#include "nabla/nn/pooling.h"
#include "nabla/nn/rnn.h"
#include "nabla/nn/transformer.h"
#include "nabla/nn/upsampling.h"
#include "nabla/nn/vision.h"
