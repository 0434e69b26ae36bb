// The op table: one row per public differentiable op, like PyTorch's OpInfo. From it,
// test_gradcheck.cpp checks every op's gradient numerically (float64) and its forward values
// against PyTorch's. The row also holds the same function in PyTorch: nabla_op_table_json
// prints the table, and scripts/make_fixtures.py evaluates each row's expression with torch
// on the same inputs (tests/data/op_fixtures.json), so a row is written once.
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

/// Where sample inputs are drawn from: any reals in [-2, 2], positive [0.5, 2.5], away from
/// zero (|x| >= 0.5, for ops with a kink or pole at 0), inside (-1, 1) ([-0.9, 0.9], for asin,
/// atanh, erfinv), or above 1 ([1.5, 3.5], for acosh).
enum class Domain { Any, Positive, NonZero, Unit, AboveOne };

struct OpInfo {
  std::string name;
  /// The row's function in PyTorch, a Python expression of the inputs x[0], x[1], ... giving a
  /// tensor or a list of them; torch is `T`, torch.nn.functional `F`, and make_fixtures.py
  /// defines the helpers `idx` (an int64 tensor), `sdpa` and `rotary`.
  std::string torch;
  std::vector<std::vector<int64_t>> shapes;  // one per differentiable input
  std::function<std::vector<Tensor>(const std::vector<Tensor>&)> fn;
  Domain domain = Domain::Any;
  bool grad_grad = true;  // also check second derivatives
};

/// Shows the row's name in test output instead of its bytes.
inline void PrintTo(const OpInfo& op, std::ostream* os) { *os << op.name; }

/// The table. Inputs of a row are made by sample_input(shape, k, domain).
const std::vector<OpInfo>& op_db();

/// The rows of the losses added with their own file (tests/op_db_losses.cpp); op_db() appends
/// them to the rest.
std::vector<OpInfo> loss_rows();

/// The name of a domain as the fixtures record it: "any", "pos", "nz", "unit" or "gt1".
const char* domain_name(Domain domain);

/// Deterministic sample input k (the same formula as scripts/make_fixtures.py):
/// element i is 2 sin(0.37 i + 1.3 k + 0.5), mapped into the domain.
Tensor sample_input(const std::vector<int64_t>& shape, int k, Domain domain, ScalarType dtype);

}  // namespace nabla::testing
