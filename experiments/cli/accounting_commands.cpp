// `dptrain epsilon` and `dptrain calibrate`: parse and validate the flags (messages name the
// flag), run an accountant (rdp, pld, prv, gdp, or all side by side) / calibration from
// dp/accounting, print a short report or one JSON object.
#include "experiments/cli/accounting_commands.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/calibration.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/rdp_accountant.hpp"

namespace dpt {
namespace {

// Bounds that keep every query within seconds (docs/accounting.md, "Bounded work"). Counts
// (--steps, --batch-size, --dataset-size) are read as doubles: every whole number up to 2^53 is
// exact, and every accountant answers for that many steps.
constexpr int64_t kMaxCount = int64_t{1} << 53;
constexpr double kMaxOrder = kMaxRdpOrder;     // each of --orders (RDP of order a sums ~a terms)
constexpr size_t kMaxOrders = kMaxRdpOrders;   // how many --orders
// --value-discretization-interval: finer grids are coarsened back to max_bins anyway (asking 1e-6
// gives 4e-6 to 1e-3) and cost 2-4 s per evaluation in the doubling retries.
constexpr double kMinInterval = 1e-5;
constexpr const char* kMinIntervalText = "1e-5";  // as written in messages (fmt prints 1e-05)
// --tolerance: a double sigma has ~16 digits; below this, narrowing could only repeat evaluations
// until the budget ran out (1e-16 is below one ulp and never converges).
constexpr double kMinTolerance = 1e-12;
// calibrate evaluates epsilon(sigma) at most this many times, bracketing included (5-11 in the
// usual cases; one pld/prv evaluation costs up to ~2 s on 2 cores): then it stops with the last
// sigma that met the target and says how close it got.
constexpr int kMaxEvaluations = 12;

// A flag's value is invalid: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void usage_error(const std::string& flag, const std::string& what) {
  throw UsageError(flag + ": " + what);
}

double parse_number(const std::string& flag, const std::string& text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const std::from_chars_result r = std::from_chars(text.data(), end, value);
  if (text.empty() || r.ec != std::errc() || r.ptr != end)
    usage_error(flag, fmt::format("expected a number, got '{}'", text));
  if (!std::isfinite(value)) usage_error(flag, fmt::format("must be finite, got {}", text));
  return value;
}

// A whole number in [1, kMaxCount]; accepts 1e5-style spellings of integers. Plain digits are read
// exactly (as a double, 9007199254740993 would silently become 2^53).
int64_t parse_count(const std::string& flag, const std::string& text) {
  const auto too_large = [&] { usage_error(flag, fmt::format("must be <= {} (2^53), got {}", kMaxCount, text)); };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    uint64_t exact = 0;
    const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (r.ec == std::errc::result_out_of_range || exact > static_cast<uint64_t>(kMaxCount)) too_large();
  }
  const double value = parse_number(flag, text);
  if (!(value >= 1.0 && value == std::floor(value))) {
    usage_error(flag, fmt::format("must be a whole number >= 1, got {}", text));
  }
  if (!(value <= static_cast<double>(kMaxCount))) too_large();
  return static_cast<int64_t>(value);
}

std::vector<double> parse_orders(const std::string& text) {
  if (text.empty()) return RdpAccountant::default_orders();
  std::vector<double> orders;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    const double alpha = parse_number("--orders", item);
    if (!(alpha > 1.0)) usage_error("--orders", fmt::format("each order must be > 1, got {}", item));
    if (!(alpha <= kMaxOrder)) usage_error("--orders", fmt::format("each order must be <= {}, got {}", kMaxOrder, item));
    if (orders.size() == kMaxOrders) usage_error("--orders", fmt::format("at most {} orders, got more", kMaxOrders));
    orders.push_back(alpha);
    start = comma + 1;
  }
  return orders;
}

// The validated question.
struct PrivacyQuestion {
  double sampling_rate = 0.0;
  int64_t steps = 0;
  double delta = 0.0;
  std::vector<double> orders;
  RdpConversion conversion = RdpConversion::kImproved;
  std::string accountant = "rdp";  // rdp, pld, prv, gdp or all
  AccountantSettings settings;
  std::string how;  // how q and steps were given, for the report
};

PrivacyQuestion validate(const PrivacyQuestionOptions& o) {
  PrivacyQuestion p;
  const bool from_rate = !o.sampling_rate.empty();
  const bool from_sizes = !o.batch_size.empty() || !o.dataset_size.empty();
  if (from_rate && from_sizes) {
    usage_error("--sampling-rate", "give either --sampling-rate or --batch-size with --dataset-size, not both");
  }
  if (!from_rate && !from_sizes) usage_error("--sampling-rate", "required (or --batch-size with --dataset-size)");
  int64_t batch = 0;
  int64_t dataset = 0;
  if (from_rate) {
    p.sampling_rate = parse_number("--sampling-rate", o.sampling_rate);
    if (!(p.sampling_rate > 0.0 && p.sampling_rate <= 1.0)) {
      usage_error("--sampling-rate", fmt::format("must be in (0, 1], got {}", o.sampling_rate));
    }
  } else {
    if (o.batch_size.empty()) usage_error("--batch-size", "required with --dataset-size");
    if (o.dataset_size.empty()) usage_error("--dataset-size", "required with --batch-size");
    batch = parse_count("--batch-size", o.batch_size);
    dataset = parse_count("--dataset-size", o.dataset_size);
    if (batch > dataset)
      usage_error("--batch-size", fmt::format("must not exceed --dataset-size ({}), got {}", dataset, batch));
    p.sampling_rate = static_cast<double>(batch) / static_cast<double>(dataset);
    p.how = fmt::format("q = batch size {} / dataset size {}", batch, dataset);
  }
  if (!o.steps.empty() && !o.epochs.empty()) usage_error("--steps", "give either --steps or --epochs, not both");
  if (o.steps.empty() && o.epochs.empty())
    usage_error("--steps", "required (or --epochs with --batch-size and --dataset-size)");
  if (!o.steps.empty()) {
    p.steps = parse_count("--steps", o.steps);
  } else {
    if (!from_sizes)
      usage_error("--epochs", "needs --batch-size and --dataset-size (steps = ceil(epochs * dataset / batch))");
    const double epochs = parse_number("--epochs", o.epochs);
    if (!(epochs > 0.0)) usage_error("--epochs", fmt::format("must be > 0, got {}", o.epochs));
    const long double steps = std::ceil(static_cast<long double>(epochs) * dataset / batch);
    if (!(steps <= kMaxCount)) {
      usage_error("--epochs", fmt::format("gives {} steps, more than {} (2^53), got {}", static_cast<double>(steps),
                                          kMaxCount, o.epochs));
    }
    p.steps = static_cast<int64_t>(steps);
    p.how += fmt::format("{}steps = ceil({} epochs * {} / {})", p.how.empty() ? "" : "; ", epochs, dataset, batch);
  }
  if (o.delta.empty()) usage_error("--delta", "required");
  p.delta = parse_number("--delta", o.delta);
  if (!(p.delta > 0.0 && p.delta < 1.0)) usage_error("--delta", fmt::format("must be in (0, 1), got {}", o.delta));
  const std::vector<std::string>& names = accountant_names();
  if (o.accountant != "all" && std::find(names.begin(), names.end(), o.accountant) == names.end())
    usage_error("--accountant", fmt::format("unknown accountant '{}' (available: rdp, pld, prv, gdp, all)", o.accountant));
  p.accountant = o.accountant;
  if (o.conversion == "improved") {
    p.conversion = RdpConversion::kImproved;
  } else if (o.conversion == "classic") {
    p.conversion = RdpConversion::kClassic;
  } else {
    usage_error("--conversion", fmt::format("must be improved or classic, got '{}'", o.conversion));
  }
  p.orders = parse_orders(o.orders);
  p.settings.rdp_orders = p.orders;
  p.settings.rdp_conversion = p.conversion;
  const double h = parse_number("--value-discretization-interval", o.value_discretization_interval);
  if (!(h >= kMinInterval && h <= 0.1)) {
    usage_error("--value-discretization-interval",
                fmt::format("must be in [{}, 0.1], got {}", kMinIntervalText, o.value_discretization_interval));
  }
  p.settings.pld.value_discretization_interval = h;
  const double eps_error = parse_number("--eps-error", o.eps_error);
  if (!(eps_error >= 1e-4 && eps_error <= 1.0))
    usage_error("--eps-error", fmt::format("must be in [1e-4, 1], got {}", o.eps_error));
  p.settings.prv.eps_error = eps_error;
  if (!o.delta_error.empty()) {
    const double delta_error = parse_number("--delta-error", o.delta_error);
    if (!(delta_error > 0.0 && delta_error < p.delta))
      usage_error("--delta-error", fmt::format("must be in (0, --delta), got {}", o.delta_error));
    p.settings.prv.delta_error = delta_error;
  }
  return p;
}

void add_question_options(CLI::App& cmd, PrivacyQuestionOptions& o) {
  cmd.add_option("--sampling-rate,-q", o.sampling_rate, "Poisson sampling rate q in (0, 1]")->type_name("Q");
  cmd.add_option("--batch-size", o.batch_size, "expected batch size B (q = B / N), instead of --sampling-rate; B <= N <= 2^53")
      ->type_name("B");
  cmd.add_option("--dataset-size", o.dataset_size, "dataset size N, with --batch-size")->type_name("N");
  cmd.add_option("--steps", o.steps, "number of DP-SGD steps, 1 .. 2^53 = 9007199254740992")->type_name("T");
  cmd.add_option("--epochs", o.epochs, "epochs instead of --steps: steps = ceil(E N / B) <= 2^53")->type_name("E");
  cmd.add_option("--delta", o.delta, "target delta in (0, 1)")->type_name("D");
  cmd.add_option("--accountant", o.accountant,
                 "rdp, pld (privacy loss distribution), prv (with lower/upper bounds), gdp (CLT approximation, "
                 "NOT a bound) or all (side by side; headline = smallest valid upper bound)")
      ->type_name("NAME")
      ->capture_default_str();
  cmd.add_option("--conversion", o.conversion, "RDP to (eps, delta): improved (Canonne et al. 2020) or classic")
      ->type_name("NAME")
      ->capture_default_str();
  cmd.add_option("--orders", o.orders,
                 fmt::format("comma-separated RDP orders, each in (1, {}], at most {} "
                             "(default: 1.1..10.9, 11..63, 128..1024)", kMaxOrder, kMaxOrders))
      ->type_name("LIST");
  cmd.add_option("--value-discretization-interval", o.value_discretization_interval, fmt::format("pld: grid step of the loss, in [{}, 0.1]", kMinIntervalText))
      ->type_name("H")
      ->capture_default_str();
  cmd.add_option("--eps-error", o.eps_error, "prv: half-width of the [lower, upper] bracket (absolute), in [1e-4, 1]")
      ->type_name("E")
      ->capture_default_str();
  cmd.add_option("--delta-error", o.delta_error, "prv: delta slack of the bounds, in (0, --delta) (default delta / 1000)")
      ->type_name("D");
  cmd.add_flag("--json", o.json, "print one JSON object");
}

// JSON has no infinity: "inf" (a string float() and strtod read back) stands for it.
nlohmann::json json_number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(fmt::format("{}", x));
}

// x (finite, > 0) with `digits` significant digits, rounded up: a displayed epsilon is never
// below the computed one.
std::string format_rounded_up(double x, int digits = 6) {
  std::string s = fmt::format("{:.{}g}", x, digits);
  if (x <= 0.0 || std::stod(s) >= x) return s;
  const double unit = std::pow(10.0, std::floor(std::log10(x)) - (digits - 1));
  for (double y = std::ceil(x / unit) * unit;; y += unit) {
    s = fmt::format("{:.{}g}", y, digits);
    if (std::stod(s) >= x) return s;
  }
}

std::string edge_warning(const EpsilonResult& e, const std::vector<double>& orders) {
  const bool smallest = e.optimal_order == *std::min_element(orders.begin(), orders.end());
  return fmt::format(
      "warning: the optimal RDP order {} is the {} of the grid; --orders with {} orders may give a smaller epsilon",
      e.optimal_order, smallest ? "smallest" : "largest", smallest ? "smaller" : "larger");
}

// Why RDP gives no finite epsilon (only called when it is inf).
std::string rdp_infinity_reason(double sigma) {
  return sigma == 0.0 ? "no noise: no finite guarantee"
                      : "the RDP of so small a noise multiplier overflows: no finite guarantee";
}

nlohmann::json question_json(const PrivacyQuestion& p, const EpsilonResult& e, double sigma) {
  nlohmann::json out = {
      {"accountant", "rdp"},
      {"epsilon", json_number(e.epsilon)},
      {"delta", p.delta},
      {"sampling_rate", p.sampling_rate},
      {"steps", p.steps},
      {"optimal_order", std::isfinite(e.epsilon) ? nlohmann::json(e.optimal_order) : nlohmann::json(nullptr)},
      {"order_at_grid_edge", e.order_at_grid_edge},
      {"conversion", to_string(p.conversion)}};
  if (!std::isfinite(e.epsilon)) out["status"] = rdp_infinity_reason(sigma);
  return out;
}

void print_question(const PrivacyQuestion& p) {
  fmt::print("  sampling rate q      {}\n", p.sampling_rate);
  fmt::print("  steps                {}\n", p.steps);
  if (!p.how.empty()) fmt::print("                       ({})\n", p.how);
  fmt::print("  delta                {}\n", p.delta);
}

void print_result(const PrivacyQuestion& p, const EpsilonResult& e, double sigma, int digits = 6) {
  if (std::isfinite(e.epsilon)) {
    fmt::print("  epsilon              {}\n", format_rounded_up(e.epsilon, digits));
    fmt::print("  optimal RDP order    {}\n", e.optimal_order);
  } else {
    fmt::print("  epsilon              inf ({})\n", rdp_infinity_reason(sigma));
  }
  if (e.order_at_grid_edge) fmt::print("{}\n", edge_warning(e, p.orders));
}

std::string header(const PrivacyQuestion& p) {
  return fmt::format("RDP accountant, {} conversion, Poisson-sampled Gaussian, add/remove-one adjacency",
                     to_string(p.conversion));
}

template <typename F>
int guarded(const char* command, F&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 2;
  } catch (const UnreachableTargetError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 1;
  } catch (const AccountingError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 2;
  }
}

// epsilon of `steps` Poisson-sampled Gaussian steps by every accountant named by p.accountant.
std::vector<EpsilonEstimate> estimates_for(const PrivacyQuestion& p, double sigma) {
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(p.sampling_rate, sigma), p.steps}};
  std::vector<EpsilonEstimate> out;
  for (const std::string& name : accountant_names()) {
    if (p.accountant == "all" || p.accountant == name) out.push_back(estimate_epsilon(name, ledger, p.delta, p.settings));
  }
  return out;
}

// A single pld or prv accountant without a valid bound (e.g. delta below what it can certify,
// or q = 1 with a tiny sigma): the RDP bound, cheap and always defined, is shown beside it.
std::optional<EpsilonEstimate> rdp_fallback(const PrivacyQuestion& p, double sigma,
                                            const std::vector<EpsilonEstimate>& estimates) {
  if (p.accountant == "all" || estimates.size() != 1 || !estimates.front().upper_bound || estimates.front().valid)
    return std::nullopt;
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(p.sampling_rate, sigma), p.steps}};
  return estimate_epsilon("rdp", ledger, p.delta, p.settings);
}

std::string bound_label(const EpsilonEstimate& e) {
  if (!e.upper_bound) return "approximation, NOT a bound";
  if (!e.valid) return fmt::format("no valid bound: {}", e.status);
  return e.status == "ok" ? "upper bound" : fmt::format("upper bound, {}", e.status);
}

std::string eps_text(double x) { return std::isfinite(x) ? format_rounded_up(x) : std::string("inf"); }

nlohmann::json estimates_json(const PrivacyQuestion& p, double sigma, const std::vector<EpsilonEstimate>& estimates) {
  nlohmann::json out = {{"delta", p.delta}, {"sampling_rate", p.sampling_rate}, {"steps", p.steps},
                        {"noise_multiplier", sigma}};
  if (p.accountant != "all") {
    nlohmann::json one = to_json(estimates.front());
    for (const auto& [key, value] : one.items()) out[key] = value;
    return out;
  }
  out["accountant"] = "all";
  nlohmann::json list = nlohmann::json::object();
  for (const EpsilonEstimate& e : estimates) list[e.accountant] = to_json(e);
  out["accountants"] = list;
  const int best = headline_index(estimates);
  if (best >= 0) {
    out["headline"] = {{"accountant", estimates[static_cast<size_t>(best)].accountant},
                       {"epsilon", json_number(*estimates[static_cast<size_t>(best)].upper)},
                       {"bound", "upper"}};
    out["epsilon"] = json_number(*estimates[static_cast<size_t>(best)].upper);
  } else {
    out["headline"] = nullptr;
    out["epsilon"] = "inf";
  }
  return out;
}

void print_estimates(const std::vector<EpsilonEstimate>& estimates) {
  for (const EpsilonEstimate& e : estimates) {
    std::string line = fmt::format("  {:<4} epsilon        {}", e.accountant, eps_text(e.epsilon));
    if (e.lower && e.upper) line += fmt::format("  (lower {}, estimate {}, upper {})", eps_text(*e.lower),
                                                eps_text(e.estimate.value_or(e.epsilon)), eps_text(*e.upper));
    fmt::print("{}  [{}]\n", line, bound_label(e));
  }
  if (estimates.size() > 1) {
    const int best = headline_index(estimates);
    if (best >= 0) {
      fmt::print("  epsilon              {}  (smallest valid upper bound: {})\n",
                 eps_text(*estimates[static_cast<size_t>(best)].upper), estimates[static_cast<size_t>(best)].accountant);
    } else {
      fmt::print("  epsilon              inf  (no valid upper bound)\n");
    }
  }
}

}  // namespace

CLI::App* add_epsilon_command(CLI::App& app, EpsilonOptions& options) {
  CLI::App* cmd = app.add_subcommand("epsilon", "epsilon spent by DP-SGD (Poisson-sampled Gaussian) at a given delta");
  cmd->add_option("--noise-multiplier,-s", options.noise_multiplier,
                  "noise multiplier sigma >= 0 (noise std / clip norm)")
      ->type_name("S")
      ->required();
  add_question_options(*cmd, options.question);
  return cmd;
}

CLI::App* add_calibrate_command(CLI::App& app, CalibrateOptions& options) {
  CLI::App* cmd = app.add_subcommand("calibrate", "smallest noise multiplier whose epsilon meets a target");
  cmd->add_option("--target-epsilon", options.target_epsilon, "target epsilon > 0")->type_name("E")->required();
  cmd->add_option("--tolerance", options.tolerance,
                  fmt::format("relative precision of sigma, in [{}, 0.01]; calibration evaluates epsilon at most {} "
                              "times and says how close it got",
                              kMinTolerance, kMaxEvaluations))
      ->type_name("TOL")
      ->capture_default_str();
  add_question_options(*cmd, options.question);
  return cmd;
}

int run_epsilon_command(const EpsilonOptions& options) {
  return guarded("epsilon", [&] {
    const double sigma = parse_number("--noise-multiplier", options.noise_multiplier);
    if (!(sigma >= 0.0))
      usage_error("--noise-multiplier", fmt::format("must be >= 0, got {}", options.noise_multiplier));
    const PrivacyQuestion p = validate(options.question);
    if (p.accountant != "rdp") {
      const std::vector<EpsilonEstimate> estimates = estimates_for(p, sigma);
      const std::optional<EpsilonEstimate> fallback = rdp_fallback(p, sigma, estimates);
      if (options.question.json) {
        nlohmann::json out = estimates_json(p, sigma, estimates);
        if (fallback) out["fallback"] = to_json(*fallback);
        fmt::print("{}\n", out.dump());
        return 0;
      }
      fmt::print("{}\n", p.accountant == "all" ? "All accountants" : fmt::format("{} accountant", p.accountant));
      fmt::print("  Poisson-sampled Gaussian, add/remove-one adjacency\n");
      fmt::print("  noise multiplier     {}\n", sigma);
      print_question(p);
      print_estimates(estimates);
      if (fallback) {
        fmt::print("  fallback: rdp        {}  [{}]  ({} has no valid bound here)\n", eps_text(fallback->epsilon),
                   bound_label(*fallback), p.accountant);
      }
      return 0;
    }
    RdpAccountant accountant(p.orders, p.conversion);
    accountant.compose(DpEvent::poisson_sampled_gaussian(p.sampling_rate, sigma), p.steps);
    const EpsilonResult e = accountant.get_epsilon_result(p.delta);
    if (options.question.json) {
      nlohmann::json out = question_json(p, e, sigma);
      out["noise_multiplier"] = sigma;
      fmt::print("{}\n", out.dump());
      if (e.order_at_grid_edge) fmt::print(stderr, "{}\n", edge_warning(e, p.orders));
      return 0;
    }
    fmt::print("{}\n", header(p));
    fmt::print("  noise multiplier     {}\n", sigma);
    print_question(p);
    print_result(p, e, sigma);
    return 0;
  });
}

// Why narrowing stopped before the tolerance (NoiseCalibration::converged is false), for the JSON.
std::string stop_reason(const NoiseCalibration& c) {
  if (c.at_certification_edge) return "certification_edge";
  if (c.evaluations >= kMaxEvaluations) return "evaluation_budget";
  return "not_monotone";
}

// What the sigma found is, in words: printed beside it.
std::string calibration_note(const NoiseCalibration& c, double tolerance, const std::string& accountant) {
  if (c.converged) return fmt::format("smallest within a relative {}", tolerance);
  const std::string reason = stop_reason(c);
  if (reason == "certification_edge") {
    return fmt::format("the smallest sigma {} certifies any epsilon for, within a relative {:.2g}: below it {} gives "
                       "no valid bound, so epsilon is below the target here; another accountant may allow less noise",
                       accountant, c.relative_width, accountant);
  }
  if (reason == "evaluation_budget") {
    return fmt::format("stopped after {} evaluations, the limit: a sigma smaller by a relative {:.2g} {}",
                       c.evaluations, c.relative_width,
                       std::isinf(c.lower_epsilon)
                           ? fmt::format("gets no valid bound from {} (below the smallest sigma it certifies)", accountant)
                           : fmt::format("gives epsilon {} > target", eps_text(c.lower_epsilon)));
  }
  return "epsilon(sigma) is not monotone at the tolerance's scale here: a smaller sigma may also meet the target";
}

void add_calibration_json(nlohmann::json& out, const NoiseCalibration& c, double target, double tolerance) {
  out["target_epsilon"] = target;
  out["tolerance"] = tolerance;
  out["evaluations"] = c.evaluations;
  if (!c.converged) {
    out["converged"] = false;
    out["stopped"] = stop_reason(c);
    out["relative_width"] = c.relative_width;
    out["lower_epsilon"] = json_number(c.lower_epsilon);  // at sigma (1 - relative_width)
  }
}

int run_calibrate_command(const CalibrateOptions& options) {
  return guarded("calibrate", [&] {
    const double target = parse_number("--target-epsilon", options.target_epsilon);
    if (!(target > 0.0)) usage_error("--target-epsilon", fmt::format("must be > 0, got {}", options.target_epsilon));
    const double tolerance = parse_number("--tolerance", options.tolerance);
    if (!(tolerance >= kMinTolerance && tolerance <= 0.01)) {
      usage_error("--tolerance", fmt::format("must be in [{}, 0.01], got {}", kMinTolerance, options.tolerance));
    }
    const PrivacyQuestion p = validate(options.question);
    if (p.accountant == "all") {
      usage_error("--accountant", "calibrate needs one accountant (rdp, pld, prv or gdp), got 'all'");
    }
    if (p.accountant != "rdp") {
      const NoiseCalibration c = calibrate_noise_multiplier(
          target, p.sampling_rate, p.steps, p.delta, accountant_factory(p.accountant, p.settings), tolerance, kMaxEvaluations);
      const std::vector<EpsilonEstimate> estimates = estimates_for(p, c.noise_multiplier);
      if (options.question.json) {
        nlohmann::json out = estimates_json(p, c.noise_multiplier, estimates);
        add_calibration_json(out, c, target, tolerance);
        fmt::print("{}\n", out.dump());
        return 0;
      }
      fmt::print("{} accountant, Poisson-sampled Gaussian, add/remove-one adjacency\n", p.accountant);
      fmt::print("  target epsilon       {}\n", target);
      print_question(p);
      fmt::print("  noise multiplier     {}  ({}; epsilon <= target holds{})\n", c.noise_multiplier,
                 calibration_note(c, tolerance, p.accountant),
                 p.accountant == "gdp" ? " for the GDP APPROXIMATION only: not a guarantee" : "");
      print_estimates(estimates);
      return 0;
    }
    const NoiseCalibration c = calibrate_noise_multiplier(target, p.sampling_rate, p.steps, p.delta,
                                                          rdp_accountant_factory(p.orders, p.conversion), tolerance,
                                                          kMaxEvaluations);
    RdpAccountant accountant(p.orders, p.conversion);
    accountant.compose(DpEvent::poisson_sampled_gaussian(p.sampling_rate, c.noise_multiplier), p.steps);
    const EpsilonResult e = accountant.get_epsilon_result(p.delta);
    if (options.question.json) {
      nlohmann::json out = question_json(p, e, c.noise_multiplier);
      out["noise_multiplier"] = c.noise_multiplier;
      add_calibration_json(out, c, target, tolerance);
      fmt::print("{}\n", out.dump());
      if (e.order_at_grid_edge) fmt::print(stderr, "{}\n", edge_warning(e, p.orders));
      return 0;
    }
    fmt::print("{}\n", header(p));
    fmt::print("  target epsilon       {}\n", target);
    print_question(p);
    fmt::print("  noise multiplier     {}  ({}; epsilon <= target holds)\n", c.noise_multiplier,
               calibration_note(c, tolerance, "rdp"));
    print_result(p, e, c.noise_multiplier, 9);
    return 0;
  });
}

}  // namespace dpt
