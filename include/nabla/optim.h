// Optimizers and learning-rate schedulers, as LibTorch's torch::optim.
#pragma once

#include "nabla/optim/adagrad.h"
#include "nabla/optim/adam.h"
#include "nabla/optim/adamw.h"
#include "nabla/optim/grad_scaler.h"
#include "nabla/optim/lbfgs.h"
#include "nabla/optim/optimizer.h"
#include "nabla/optim/rmsprop.h"
#include "nabla/optim/schedulers/lr_scheduler.h"
#include "nabla/optim/schedulers/reduce_on_plateau_scheduler.h"
#include "nabla/optim/sgd.h"
