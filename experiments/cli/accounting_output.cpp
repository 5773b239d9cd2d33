// Text and JSON reports of `dptrain epsilon` / `dptrain calibrate` (see accounting_output.hpp).
// A single rdp accountant keeps its own report (optimal order, conversion); every other choice,
// `all` included, lists EpsilonEstimates with their bound labels.
#include "experiments/cli/accounting_output.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace dpt {
namespace {

// The double `text` (printed by fmt from a finite double) reads back as; 0 if it does not read.
double read_back(const std::string& text) {
  double value = 0.0;
  const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), value);
  return r.ec == std::errc() ? value : 0.0;
}

bool is_single_rdp(const PrivacyQuestion& p) { return p.accountant == AccountantKind::kRdp; }

// Why RDP gives no finite epsilon (only called when it is inf).
std::string rdp_infinity_reason(const EpsilonEstimate& e, double sigma) {
  if (!e.valid) return e.status;  // the computation failed: say how
  return sigma == 0.0 ? "no noise: no finite guarantee"
                      : "the RDP of so small a noise multiplier overflows: no finite guarantee";
}

std::string edge_warning(const EpsilonEstimate& e, const std::vector<double>& orders) {
  const double order = e.optimal_order.value_or(0.0);
  const bool smallest = order == *std::min_element(orders.begin(), orders.end());
  return fmt::format(
      "warning: the optimal RDP order {} is the {} of the grid; --orders with {} orders may give a smaller epsilon",
      order, smallest ? "smallest" : "largest", smallest ? "smaller" : "larger");
}

nlohmann::json rdp_json(const PrivacyQuestion& p, const EpsilonEstimate& e, double sigma) {
  const bool finite = std::isfinite(e.epsilon) && e.optimal_order;
  nlohmann::json out = {
      {"accountant", accountant_name(AccountantKind::kRdp)},
      {"epsilon", json_number(e.epsilon)},
      {"delta", p.delta},
      {"sampling_rate", p.sampling_rate},
      {"steps", p.steps},
      {"noise_multiplier", sigma},
      {"optimal_order", finite ? nlohmann::json(*e.optimal_order) : nlohmann::json(nullptr)},
      {"order_at_grid_edge", e.order_at_grid_edge},
      {"conversion", to_string(p.settings.rdp_conversion)}};
  if (!std::isfinite(e.epsilon)) out["status"] = rdp_infinity_reason(e, sigma);
  return out;
}

void print_rdp_result(const PrivacyQuestion& p, const EpsilonEstimate& e, double sigma, int digits) {
  if (std::isfinite(e.epsilon) && e.optimal_order) {
    fmt::print("  epsilon              {}\n", format_rounded_up(e.epsilon, digits));
    fmt::print("  optimal RDP order    {}\n", *e.optimal_order);
  } else {
    fmt::print("  epsilon              inf ({})\n", rdp_infinity_reason(e, sigma));
  }
  if (e.order_at_grid_edge) fmt::print("{}\n", edge_warning(e, p.settings.rdp_orders));
}

nlohmann::json estimates_json(const PrivacyQuestion& p, double sigma, const std::vector<EpsilonEstimate>& estimates) {
  nlohmann::json out = {{"delta", p.delta}, {"sampling_rate", p.sampling_rate}, {"steps", p.steps},
                        {"noise_multiplier", sigma}};
  if (p.accountant) {
    const nlohmann::json one = to_json(estimates.front());
    for (const auto& [key, value] : one.items()) out[key] = value;
    return out;
  }
  out["accountant"] = std::string(kAllAccountantsName);
  nlohmann::json list = nlohmann::json::object();
  for (const EpsilonEstimate& e : estimates) list[e.accountant] = to_json(e);
  out["accountants"] = list;
  const int best = headline_index(estimates);
  if (best < 0) {
    out["headline"] = nullptr;
    out["epsilon"] = "inf";
    return out;
  }
  const EpsilonEstimate& headline = estimates[static_cast<size_t>(best)];
  out["headline"] = {{"accountant", headline.accountant}, {"epsilon", json_number(*headline.upper)}, {"bound", "upper"}};
  out["epsilon"] = json_number(*headline.upper);
  return out;
}

void print_estimates(const std::vector<EpsilonEstimate>& estimates) {
  for (const EpsilonEstimate& e : estimates) {
    std::string line = fmt::format("  {:<4} epsilon        {}", e.accountant, eps_text(e.epsilon));
    if (e.lower && e.upper) line += fmt::format("  (lower {}, estimate {}, upper {})", eps_text(*e.lower),
                                                eps_text(e.estimate.value_or(e.epsilon)), eps_text(*e.upper));
    fmt::print("{}  [{}]\n", line, bound_label(e));
  }
  if (estimates.size() <= 1) return;
  const int best = headline_index(estimates);
  if (best < 0) {
    fmt::print("  epsilon              inf  (no valid upper bound)\n");
    return;
  }
  const EpsilonEstimate& headline = estimates[static_cast<size_t>(best)];
  fmt::print("  epsilon              {}  (smallest valid upper bound: {})\n", eps_text(*headline.upper),
             headline.accountant);
}

}  // namespace

nlohmann::json json_number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(fmt::format("{}", x));
}

std::string format_rounded_up(double x, int digits) {
  std::string s = fmt::format("{:.{}g}", x, digits);
  if (!(x > 0.0) || !std::isfinite(x) || read_back(s) >= x) return s;
  // s was rounded down: step up by one unit of its last digit until it is not below x. unit
  // underflows to 0 only for a subnormal x below 10^(digits - 324), whose digits read back exactly.
  const double unit = std::pow(10.0, std::floor(std::log10(x)) - (digits - 1));
  if (!(unit > 0.0)) return s;
  for (double y = std::ceil(x / unit) * unit;; y += unit) {
    s = fmt::format("{:.{}g}", y, digits);
    if (read_back(s) >= x) return s;
  }
}

std::string eps_text(double x) { return std::isfinite(x) ? format_rounded_up(x) : std::string("inf"); }

std::string bound_label(const EpsilonEstimate& e) {
  if (!e.upper_bound) return "approximation, NOT a bound";
  if (!e.valid) return fmt::format("no valid bound: {}", e.status);
  return e.status == "ok" ? "upper bound" : fmt::format("upper bound, {}", e.status);
}

std::string rdp_title(const PrivacyQuestion& p) {
  return fmt::format("{} accountant, {} conversion, Poisson-sampled Gaussian, add/remove-one adjacency",
                     capabilities(AccountantKind::kRdp).label, to_string(p.settings.rdp_conversion));
}

void print_question(const PrivacyQuestion& p) {
  fmt::print("  sampling rate q      {}\n", p.sampling_rate);
  fmt::print("  steps                {}\n", p.steps);
  if (!p.how.empty()) fmt::print("                       ({})\n", p.how);
  fmt::print("  delta                {}\n", p.delta);
}

void print_answer(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates, double sigma,
                  int rdp_digits) {
  if (is_single_rdp(p)) {
    print_rdp_result(p, estimates.front(), sigma, rdp_digits);
  } else {
    print_estimates(estimates);
  }
}

nlohmann::json answer_json(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates, double sigma) {
  return is_single_rdp(p) ? rdp_json(p, estimates.front(), sigma) : estimates_json(p, sigma, estimates);
}

void warn_grid_edge(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates) {
  if (is_single_rdp(p) && estimates.front().order_at_grid_edge)
    fmt::print(stderr, "{}\n", edge_warning(estimates.front(), p.settings.rdp_orders));
}

}  // namespace dpt
