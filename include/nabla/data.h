// Data loading, as LibTorch's torch::data / torch.utils.data: datasets, a multi-threaded
// DataLoader, random_split, and MNIST-style IDX files.
#pragma once

#include "nabla/data/dataloader.h"
#include "nabla/data/dataset.h"
#include "nabla/data/datasets/mnist.h"
#include "nabla/data/idx.h"
