// Prints the op table (op_db.cpp) as JSON for scripts/make_fixtures.py: for each row its name,
// its PyTorch expression, its inputs' shapes and their domain. The script computes the
// fixtures from exactly these rows, so no row is written twice.
#include <nlohmann/json.hpp>

#include <iostream>

#include "op_db.h"

int main() {
  nlohmann::json rows = nlohmann::json::array();
  for (const nabla::testing::OpInfo& op : nabla::testing::op_db()) {
    rows.push_back({{"name", op.name},
                    {"torch", op.torch},
                    {"shapes", op.shapes},
                    {"domain", nabla::testing::domain_name(op.domain)}});
  }
  std::cout << rows.dump(1) << "\n";
  return 0;
}
