// SPDX-License-Identifier: Apache-2.0
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include <pplx/error.h>

namespace pplx {
namespace examples {

void write_interval_plot(const std::string& path, const std::vector<IntervalPanel>& panels_on_any_device,
                         const std::string& axis_label) {
  // The points are read one by one below: copy each tensor to the CPU once (a GPU run's results).
  std::vector<IntervalPanel> panels = panels_on_any_device;
  for (auto& p : panels)
    for (auto* t : {&p.truth, &p.mean, &p.lower, &p.upper}) *t = t->to(torch::kCPU, torch::kDouble).contiguous();
  const double w = 420, h = 420, margin = 50;
  // One common range for both axes of every panel, so the diagonal is the diagonal.
  double lo = 1e300, hi = -1e300;
  for (const auto& p : panels) {
    for (const auto* t : {&p.truth, &p.lower, &p.upper}) {
      lo = std::min(lo, t->min().item<double>());
      hi = std::max(hi, t->max().item<double>());
    }
  }
  const double pad = 0.05 * (hi - lo + 1e-9);
  lo -= pad;
  hi += pad;
  auto sx = [&](double v, size_t panel) { return panel * w + margin + (v - lo) / (hi - lo) * (w - 2 * margin); };
  auto sy = [&](double v) { return h - margin - (v - lo) / (hi - lo) * (h - 2 * margin); };
  std::ostringstream os;
  os.precision(4);
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w * panels.size() << "\" height=\"" << h
     << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t k = 0; k < panels.size(); ++k) {
    const auto& p = panels[k];
    os << "<text x=\"" << k * w + w / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" << p.title
       << "</text>\n";
    os << "<rect x=\"" << sx(lo, k) << "\" y=\"" << sy(hi) << "\" width=\"" << sx(hi, k) - sx(lo, k) << "\" height=\""
       << sy(lo) - sy(hi) << "\" fill=\"none\" stroke=\"black\"/>\n";
    os << "<line x1=\"" << sx(lo, k) << "\" y1=\"" << sy(lo) << "\" x2=\"" << sx(hi, k) << "\" y2=\"" << sy(hi)
       << "\" stroke=\"gray\" stroke-dasharray=\"4,3\"/>\n";
    for (double t = std::ceil(lo); t <= hi; t += 1) {
      os << "<text x=\"" << sx(t, k) << "\" y=\"" << h - margin + 15 << "\" text-anchor=\"middle\">" << t
         << "</text>\n<text x=\"" << sx(lo, k) - 5 << "\" y=\"" << sy(t) + 4 << "\" text-anchor=\"end\">" << t
         << "</text>\n";
    }
    os << "<text x=\"" << k * w + w / 2 << "\" y=\"" << h - 10 << "\" text-anchor=\"middle\">true " << axis_label
       << "</text>\n";
    os << "<text transform=\"translate(" << k * w + 14 << "," << h / 2
       << ") rotate(-90)\" text-anchor=\"middle\">predicted " << axis_label << "</text>\n";
    const auto &truth = p.truth, &mean = p.mean, &lower = p.lower, &upper = p.upper;
    for (int64_t i = 0; i < truth.numel(); ++i) {
      const double t = truth[i].item<double>(), m = mean[i].item<double>();
      const double l = lower[i].item<double>(), u = upper[i].item<double>();
      const char* color = (t >= l && t <= u) ? "#1f77b4" : "#d62728";
      os << "<line x1=\"" << sx(t, k) << "\" y1=\"" << sy(l) << "\" x2=\"" << sx(t, k) << "\" y2=\"" << sy(u)
         << "\" stroke=\"" << color << "\" stroke-opacity=\"0.4\"/>"
         << "<circle cx=\"" << sx(t, k) << "\" cy=\"" << sy(m) << "\" r=\"2\" fill=\"" << color << "\"/>\n";
    }
  }
  os << "</svg>\n";
  std::ofstream out(path);
  out << os.str();
  PPLX_CHECK_AS(IOError, out.good(), "write_interval_plot: cannot write ", path);
}

}  // namespace examples
}  // namespace pplx
