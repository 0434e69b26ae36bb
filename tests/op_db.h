// The op table: one row per public differentiable op, like PyTorch's OpInfo. From it,
// test_gradcheck.cpp checks every op's gradient numerically (float64) and its forward values
// against PyTorch's (fixtures made by scripts/make_fixtures.py, which mirrors this table by name).
#pragma once

#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/indexing.h>
#include <nabla/nn/attention.h>
#include <nabla/ops.h>
#include <nabla/print.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace nabla::testing {

/// Where sample inputs are drawn from: any reals in [-2, 2], positive [0.5, 2.5], or away
/// from zero (|x| >= 0.5, for ops with a kink or pole at 0).
enum class Domain { Any, Positive, NonZero };

struct OpInfo {
  std::string name;
  std::vector<std::vector<int64_t>> shapes;  // one per differentiable input
  std::function<std::vector<Tensor>(const std::vector<Tensor>&)> fn;
  Domain domain = Domain::Any;
  bool grad_grad = true;  // also check second derivatives
};

/// Shows the row's name in test output instead of its bytes.
inline void PrintTo(const OpInfo& op, std::ostream* os) { *os << op.name; }

/// The table. Inputs of a row are made by sample_input(shape, k, domain).
const std::vector<OpInfo>& op_db();

/// Deterministic sample input k (the same formula as scripts/make_fixtures.py):
/// element i is 2 sin(0.37 i + 1.3 k + 0.5), mapped into the domain.
Tensor sample_input(const std::vector<int64_t>& shape, int k, Domain domain, ScalarType dtype);

}  // namespace nabla::testing
