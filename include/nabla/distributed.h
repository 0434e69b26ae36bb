// Data-parallel training across processes on MPI: c10d-style process groups
// (nabla::distributed), DistributedDataParallel (nabla::nn::parallel) and the distributed
// samplers (nabla::data::samplers). See docs/distributed.md.
#pragma once

#include "nabla/data/samplers/distributed.h"
#include "nabla/distributed/process_group.h"
#include "nabla/nn/parallel/distributed.h"
