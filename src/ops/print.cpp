// operator<< for tensors, in the layout of PyTorch's repr (torch/_tensor_str.py): one width for
// every element, fixed or scientific notation chosen from the range of the values, "1." for
// floats that are all integers, rows wrapped at `linewidth`, and "..." in every dimension of
// tensors with more than `threshold` elements. nabla always shows the size and dtype:
//   tensor([[ 1.0000,  2.5000],
//           [-3.0000,  4.0000]], size=[2, 2], dtype=float32, grad_fn=<AddBackward0>)
// Elements are read straight from storage through the strides, so printing runs no op and never
// records autograd history.
#include <cmath>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "core/tensor_impl.h"
#include "nabla/print.h"

namespace nabla {
namespace {

std::mutex g_print_mutex;
PrintOptions g_print_options;

// Reads element values of a host-readable tensor at element offsets from its first element.
class ElementReader {
 public:
  explicit ElementReader(const Tensor& t)
      : base_(static_cast<const char*>(t.data_ptr())), dtype_(t.scalar_type()) {}
  double as_double(int64_t off) const {
    return detail::dispatch_all(dtype_, "print", [&](auto tag) {
      return static_cast<double>(at<typename decltype(tag)::type>(off));
    });
  }
  int64_t as_long(int64_t off) const {
    return detail::dispatch_all(dtype_, "print", [&](auto tag) {
      return static_cast<int64_t>(at<typename decltype(tag)::type>(off));
    });
  }

 private:
  template <class T>
  T at(int64_t off) const {
    return reinterpret_cast<const T*>(base_)[off];
  }
  const char* base_;
  ScalarType dtype_;
};

// PyTorch's _Formatter: decides the notation from the (summarized) values, then gives every
// element the same width.
class Formatter {
 public:
  Formatter(const ElementReader& reader, ScalarType dtype, const std::vector<int64_t>& offsets,
            const PrintOptions& o)
      : reader_(reader), dtype_(dtype), precision_(o.precision) {
    if (isFloatingType(dtype)) choose_notation(offsets, o.sci_mode);
    for (int64_t off : offsets) width_ = std::max(width_, raw(off).size());
  }
  size_t width() const { return width_; }
  std::string format(int64_t off) const {
    std::string s = raw(off);
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

 private:
  void choose_notation(const std::vector<int64_t>& offsets, bool force_sci) {
    double min_abs = INFINITY, max_abs = 0;
    bool any = false;
    for (int64_t off : offsets) {
      const double v = reader_.as_double(off);
      if (!std::isfinite(v) || v == 0) continue;
      any = true;
      min_abs = std::min(min_abs, std::fabs(v));
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (any) {
      sci_ = max_abs / min_abs > 1000.0 || max_abs > 1.0e8 || (!int_mode_ && min_abs < 1.0e-4);
    }
    if (force_sci) sci_ = true;
  }

  std::string raw(int64_t off) const {
    if (dtype_ == ScalarType::Bool) return reader_.as_long(off) ? "True" : "False";
    if (!isFloatingType(dtype_)) return std::to_string(reader_.as_long(off));
    const double v = reader_.as_double(off);
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (sci_) return fmt::format("{:.{}e}", v, precision_);
    if (int_mode_) return fmt::format("{:.0f}.", v);
    return fmt::format("{:.{}f}", v, precision_);
  }

  const ElementReader& reader_;
  ScalarType dtype_;
  int precision_;
  bool int_mode_ = true;
  bool sci_ = false;
  size_t width_ = 1;
};

// Walks the tensor as PyTorch's _tensor_str_with_formatter does.
class Printer {
 public:
  Printer(const Tensor& t, const PrintOptions& o)
      : t_(t),
        o_(o),
        reader_(t),
        summarize_(t.numel() > o.threshold),
        formatter_(reader_, t.scalar_type(), summarized_offsets(), o) {}

  std::string body(int64_t indent) const { return dim_str(0, 0, indent); }

 private:
  // The indices of dimension `d` that are shown: all, or edgeitems at each end.
  std::vector<int64_t> shown(int64_t d) const {
    const int64_t n = t_.sizes()[d], edge = o_.edgeitems;
    std::vector<int64_t> idx;
    if (summarize_ && n > 2 * edge) {
      for (int64_t i = 0; i < edge; ++i) idx.push_back(i);
      for (int64_t i = n - edge; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }
  bool elided(int64_t d) const { return summarize_ && t_.sizes()[d] > 2 * o_.edgeitems; }

  std::vector<int64_t> summarized_offsets() const {
    std::vector<int64_t> out;
    collect(0, 0, out);
    return out;
  }
  void collect(int64_t d, int64_t off, std::vector<int64_t>& out) const {
    if (d == t_.dim()) {
      out.push_back(off);
      return;
    }
    for (int64_t i : shown(d)) collect(d + 1, off + i * t_.strides()[d], out);
  }

  std::string dim_str(int64_t d, int64_t off, int64_t indent) const {
    if (t_.dim() == 0) return formatter_.format(off);
    if (d == t_.dim() - 1) return vector_str(d, off, indent);
    std::vector<std::string> slices;
    const std::vector<int64_t> idx = shown(d);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (elided(d) && static_cast<int64_t>(k) == o_.edgeitems) slices.push_back("...");
      slices.push_back(dim_str(d + 1, off + idx[k] * t_.strides()[d], indent + 1));
    }
    if (elided(d) && o_.edgeitems == 0) slices.push_back("...");
    // Blank lines between blocks of 3-D and higher, as PyTorch.
    const std::string sep = "," + std::string(t_.dim() - d - 1, '\n') +
                            std::string(static_cast<size_t>(indent + 1), ' ');
    return "[" + join(slices, sep) + "]";
  }

  std::string vector_str(int64_t d, int64_t off, int64_t indent) const {
    const double element_length = static_cast<double>(formatter_.width() + 2);
    const int64_t per_line = std::max<int64_t>(
        1, static_cast<int64_t>(std::floor((o_.linewidth - indent) / element_length)));
    std::vector<std::string> data;
    const std::vector<int64_t> idx = shown(d);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (elided(d) && static_cast<int64_t>(k) == o_.edgeitems) data.push_back(" ...");
      data.push_back(formatter_.format(off + idx[k] * t_.strides()[d]));
    }
    if (elided(d) && o_.edgeitems == 0) data.push_back("...");
    std::vector<std::string> lines;
    for (size_t i = 0; i < data.size(); i += static_cast<size_t>(per_line)) {
      const size_t end = std::min(data.size(), i + static_cast<size_t>(per_line));
      lines.push_back(
          join(std::vector<std::string>(data.begin() + static_cast<std::ptrdiff_t>(i),
                                        data.begin() + static_cast<std::ptrdiff_t>(end)),
               ", "));
    }
    return "[" + join(lines, ",\n" + std::string(static_cast<size_t>(indent + 1), ' ')) + "]";
  }

  static std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) s += sep;
      s += parts[i];
    }
    return s;
  }

  const Tensor& t_;
  const PrintOptions& o_;
  ElementReader reader_;
  bool summarize_;
  Formatter formatter_;
};

// As PyTorch's _add_suffixes: ", suffix" on the last line while it fits in `linewidth`, else
// on a new line under the first bracket. (PyTorch counts the last line two characters longer
// than it is; nabla counts it exactly.)
std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int64_t indent,
                         int64_t linewidth) {
  const size_t nl = s.rfind('\n');
  int64_t last_line_len =
      static_cast<int64_t>(nl == std::string::npos ? s.size() : s.size() - nl - 1);
  for (const std::string& suffix : suffixes) {
    const int64_t len = static_cast<int64_t>(suffix.size());
    if (last_line_len + 2 + len + 1 > linewidth) {  // + 1: room for the closing ")"
      s += ",\n" + std::string(static_cast<size_t>(indent), ' ') + suffix;
      last_line_len = indent + len;
    } else {
      s += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

}  // namespace

void set_printoptions(const PrintOptions& options) {
  NABLA_CHECK(options.precision >= 0 && options.precision <= 100,
              "[set_printoptions] precision must be in [0, 100], got {}", options.precision);
  NABLA_CHECK(options.threshold >= 0, "[set_printoptions] threshold must be non-negative, got {}",
              options.threshold);
  NABLA_CHECK(options.edgeitems >= 0, "[set_printoptions] edgeitems must be non-negative, got {}",
              options.edgeitems);
  NABLA_CHECK(options.linewidth > 0, "[set_printoptions] linewidth must be positive, got {}",
              options.linewidth);
  std::lock_guard<std::mutex> lock(g_print_mutex);
  g_print_options = options;
}

PrintOptions get_printoptions() {
  std::lock_guard<std::mutex> lock(g_print_mutex);
  return g_print_options;
}

std::ostream& operator<<(std::ostream& os, const std::vector<Tensor>& tensors) {
  for (size_t i = 0; i < tensors.size(); ++i) os << (i ? " " : "") << tensors[i];
  return os;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  const PrintOptions o = get_printoptions();
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::string s = prefix;
  if (t.device().is_meta()) {
    s += "...";  // no values to show, as PyTorch
  } else {
    s += t.numel() == 0 ? "[]" : Printer(detail::host_readable(t), o).body(indent);
  }
  std::vector<std::string> suffixes;
  // As PyTorch: the device is named when it is not the default one, factories' (written out:
  // with TensorOptions().device() GCC 12 warns, wrongly, that its optional may be read
  // uninitialized).
  if (t.device() != Device(DeviceType::CPU))
    suffixes.push_back(fmt::format("device='{}'", t.device().str()));
  suffixes.push_back(fmt::format("size={}", t.sizes()));
  suffixes.push_back(fmt::format("dtype={}", t.scalar_type()));
  if (t.grad_fn()) {
    suffixes.push_back(fmt::format("grad_fn=<{}>", t.grad_fn()->name()));
  } else if (t.requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  return os << add_suffixes(std::move(s), suffixes, indent, o.linewidth);
}

}  // namespace nabla
