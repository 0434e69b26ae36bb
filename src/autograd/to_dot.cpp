// The backward graph in Graphviz DOT. Arrows follow the forward data flow: from a leaf or an
// input's node to the node of the op that consumed it, and from there to the root tensors.
// Nodes are numbered in breadth-first order from the roots (deterministic for a given graph)
// and visited with an explicit queue, so graphs of any depth work.
#include <deque>
#include <iterator>
#include <string>
#include <unordered_map>
#include <vector>

#include "autograd/function.h"
#include "core/check.h"

namespace nabla::autograd {
namespace {

// DOT string literal contents: quotes and backslashes escaped, newlines as \n.
std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string tensor_text(IntArrayRef sizes, ScalarType dtype) {
  return fmt::format("{} {}", sizes, dtype);
}

std::string node_label(const Node& n) {
  if (const auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) {
    const TensorImpl& leaf = *acc->leaf();
    return fmt::format("leaf\n{}\nrequires_grad", tensor_text(leaf.sizes, leaf.dtype));
  }
  std::string label = n.name();
  for (size_t i = 0; i < n.num_outputs(); ++i) {
    const OutputMeta& m = n.output_meta(i);
    label += '\n';
    if (n.num_outputs() > 1) label += fmt::format("{}: ", i);
    label += tensor_text(m.sizes, m.dtype);
  }
  if (n.released()) label += "\n(freed)";
  return label;
}

}  // namespace

std::string to_dot(const variable_list& roots) {
  std::string out = "digraph autograd {\n  node [shape=box, fontname=\"monospace\"];\n";
  std::string edges;
  std::unordered_map<const Node*, size_t> ids;
  std::deque<const Node*> queue;
  std::vector<Edge> root_edges;
  root_edges.reserve(roots.size());
  auto id_of = [&](const Node* n) {
    auto [it, inserted] = ids.emplace(n, ids.size());
    if (inserted) queue.push_back(n);
    return it->second;
  };

  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    NABLA_CHECK(r.defined(), "[to_dot] root {} is undefined", i);
    // A leaf's accumulator may exist only through this edge: keep it alive until the end.
    const Edge& e = root_edges.emplace_back(gradient_edge(r));
    fmt::format_to(
        std::back_inserter(out),
        "  t{} [label=\"{}\", shape=ellipse, style=filled, fillcolor=darkolivegreen1];\n", i,
        escape(fmt::format("output {}\n{}{}", i, tensor_text(r.sizes(), r.scalar_type()),
                           e.is_valid() ? "" : "\n(no grad)")));
    if (e.is_valid())
      fmt::format_to(std::back_inserter(edges), "  n{} -> t{};\n", id_of(e.function.get()), i);
  }

  while (!queue.empty()) {
    const Node* n = queue.front();
    queue.pop_front();
    const size_t id = ids.at(n);
    const bool leaf = dynamic_cast<const AccumulateGrad*>(n) != nullptr;
    fmt::format_to(std::back_inserter(out), "  n{} [label=\"{}\"{}];\n", id, escape(node_label(*n)),
                   leaf ? ", style=filled, fillcolor=lightblue" : "");
    for (const Edge& e : n->next_edges()) {
      if (!e.is_valid()) continue;
      const Node* input = e.function.get();
      const size_t input_id = id_of(input);
      if (input->num_outputs() > 1)
        fmt::format_to(std::back_inserter(edges), "  n{} -> n{} [taillabel=\"{}\"];\n", input_id,
                       id, e.input_nr);
      else
        fmt::format_to(std::back_inserter(edges), "  n{} -> n{};\n", input_id, id);
    }
  }
  out += edges;
  out += "}\n";
  return out;
}

std::string to_dot(const Tensor& root) { return to_dot(variable_list{root}); }

}  // namespace nabla::autograd
