// Data loading, as LibTorch's torch::data / torch.utils.data: datasets, a multi-threaded
// DataLoader, random_split, and MNIST-style IDX files; and LibTorch's make_data_loader API.
#pragma once

#include "nabla/data/dataloader.h"
#include "nabla/data/dataset.h"
#include "nabla/data/datasets/mnist.h"
#include "nabla/data/idx.h"
// LibTorch's data API: datasets::Dataset<Self>, .map(transforms::...), samplers,
// make_data_loader.
#include "nabla/data/datasets/base.h"
#include "nabla/data/samplers.h"
#include "nabla/data/stateless_dataloader.h"
#include "nabla/data/transforms.h"
