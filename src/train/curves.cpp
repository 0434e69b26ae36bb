// Training curves as CSV and as an SVG line plot (see train.h), and atomic file writes.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/check.h"
#include "nabla/train.h"

namespace nabla::train {

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  NABLA_CHECK(f != nullptr, "[write] cannot create '{}'", tmp);
  const bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size() &&
                  std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    NABLA_ERROR("[write] could not write '{}'", path);
  }
}

void Curves::add(int64_t epoch, const std::vector<std::pair<std::string, double>>& metrics) {
  std::vector<double> row(names_.size(), NAN);
  for (const auto& [name, value] : metrics) {
    auto it = std::find(names_.begin(), names_.end(), name);
    if (it == names_.end()) {
      names_.push_back(name);
      for (auto& r : rows_) r.second.push_back(NAN);
      row.push_back(value);
    } else {
      row[static_cast<size_t>(it - names_.begin())] = value;
    }
  }
  rows_.emplace_back(epoch, std::move(row));
}

std::string Curves::csv() const {
  std::string out = "epoch";
  for (const auto& n : names_) out += "," + n;
  out += "\n";
  for (const auto& [epoch, values] : rows_) {
    out += std::to_string(epoch);
    for (double v : values) out += std::isnan(v) ? "," : fmt::format(",{:.6g}", v);
    out += "\n";
  }
  return out;
}

void Curves::read_csv(const std::string& path) {
  std::ifstream in(path);
  NABLA_CHECK(in.good(), "[Curves] cannot read '{}'", path);
  std::string line;
  NABLA_CHECK(static_cast<bool>(std::getline(in, line)) && line.rfind("epoch", 0) == 0,
              "[Curves] '{}' is not a curves CSV (no 'epoch' header)", path);
  std::vector<std::string> names;
  std::stringstream header(line);
  std::string cell;
  std::getline(header, cell, ',');
  while (std::getline(header, cell, ',')) names.push_back(cell);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream row(line);
    std::getline(row, cell, ',');
    const int64_t epoch = std::stoll(cell);
    std::vector<std::pair<std::string, double>> metrics;
    for (size_t i = 0; i < names.size() && std::getline(row, cell, ','); ++i)
      if (!cell.empty()) metrics.emplace_back(names[i], std::stod(cell));
    add(epoch, metrics);
  }
}

std::string Curves::svg() const {
  // Two panels side by side: losses, and everything else (accuracies).
  constexpr double kW = 420, kH = 300, kPad = 45;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n",
      2 * kW, kH);
  for (int panel = 0; panel < 2; ++panel) {
    std::vector<size_t> series;
    for (size_t i = 0; i < names_.size(); ++i)
      if ((names_[i].find("loss") != std::string::npos) == (panel == 0)) series.push_back(i);
    const double x0 = panel * kW + kPad, y0 = kPad / 2, w = kW - 1.5 * kPad, h = kH - 2 * kPad;
    double lo = INFINITY, hi = -INFINITY;
    int64_t e_lo = INT64_MAX, e_hi = INT64_MIN;
    for (const auto& [epoch, values] : rows_) {
      e_lo = std::min(e_lo, epoch), e_hi = std::max(e_hi, epoch);
      for (size_t i : series)
        if (!std::isnan(values[i])) lo = std::min(lo, values[i]), hi = std::max(hi, values[i]);
    }
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
        "stroke=\"#888\"/>\n",
        x0, y0, w, h);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n", x0 + w / 2,
                       y0 + h + 30);
    if (series.empty() || !std::isfinite(lo)) continue;
    if (hi == lo) hi = lo + 1;
    if (e_hi == e_lo) e_hi = e_lo + 1;
    auto px = [&](int64_t e) { return x0 + w * static_cast<double>(e - e_lo) / (e_hi - e_lo); };
    auto py = [&](double v) { return y0 + h * (1 - (v - lo) / (hi - lo)); };
    for (int k = 0; k <= 4; ++k) {
      const double v = lo + (hi - lo) * k / 4;
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3g}</text>\n", x0 - 4,
                         py(v) + 4, v);
    }
    for (int64_t e = e_lo; e <= e_hi; ++e)
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(e),
                         y0 + h + 14, e);
    for (size_t s = 0; s < series.size(); ++s) {
      const size_t i = series[s];
      std::string points;
      for (const auto& [epoch, values] : rows_)
        if (!std::isnan(values[i]))
          points += fmt::format("{:.1f},{:.1f} ", px(epoch), py(values[i]));
      const char* color = colors[s % 6];
      out += fmt::format(
          "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
          "points=\"{}\"/>\n",
          color, points);
      out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", x0 + 8,
                         y0 + 14 + 14 * static_cast<double>(s), color, names_[i]);
    }
  }
  return out + "</svg>\n";
}

void Curves::write_csv(const std::string& path) const { write_file_atomically(path, csv()); }
void Curves::write_svg(const std::string& path) const { write_file_atomically(path, svg()); }

}  // namespace nabla::train
