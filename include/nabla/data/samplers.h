// The samplers of LibTorch-style data loaders (make_data_loader): torch::data::samplers.
#pragma once

#include "nabla/data/samplers/base.h"
#include "nabla/data/samplers/random.h"
#include "nabla/data/samplers/sequential.h"
