// The shared question of `dptrain epsilon` and `dptrain calibrate`: its flags, their validation
// in a fixed order (the first invalid flag is the one named), and the accountants' answers.
#include "experiments/cli/privacy_question.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>

#include "experiments/cli/command_errors.hpp"
#include "experiments/cli/flag_values.hpp"

namespace dpt {
namespace {

// Bounds that keep every query within seconds (docs/accounting.md, "Bounded work").
constexpr double kMaxOrder = kMaxRdpOrder;    // each of --orders (RDP of order a sums ~a terms)
constexpr size_t kMaxOrders = kMaxRdpOrders;  // how many --orders
// --value-discretization-interval: finer grids are coarsened back to max_bins anyway (asking 1e-6
// gives 4e-6 to 1e-3) and cost 2-4 s per evaluation in the doubling retries.
constexpr double kMinInterval = 1e-5;
constexpr const char* kMinIntervalText = "1e-5";  // as written in messages (fmt prints 1e-05)

// The DP-SGD run the question is about: `steps` Poisson-sampled Gaussian steps.
std::vector<LedgerEntry> dp_sgd_ledger(const PrivacyQuestion& p, double sigma) {
  return {{DpEvent::poisson_sampled_gaussian(p.sampling_rate, sigma), p.steps}};
}

// --batch-size and --dataset-size, when q was given by them.
struct Sizes {
  int64_t batch = 0;
  int64_t dataset = 0;
};

// Sets p.sampling_rate (and p.how) from --sampling-rate or --batch-size / --dataset-size.
std::optional<Sizes> read_sampling_rate(const PrivacyQuestionOptions& o, PrivacyQuestion& p) {
  const bool from_rate = !o.sampling_rate.empty();
  const bool from_sizes = !o.batch_size.empty() || !o.dataset_size.empty();
  if (from_rate && from_sizes) {
    usage_error("--sampling-rate", "give either --sampling-rate or --batch-size with --dataset-size, not both");
  }
  if (!from_rate && !from_sizes) usage_error("--sampling-rate", "required (or --batch-size with --dataset-size)");
  if (from_rate) {
    p.sampling_rate = parse_number("--sampling-rate", o.sampling_rate);
    if (!(p.sampling_rate > 0.0 && p.sampling_rate <= 1.0)) {
      usage_error("--sampling-rate", fmt::format("must be in (0, 1], got {}", o.sampling_rate));
    }
    return std::nullopt;
  }
  if (o.batch_size.empty()) usage_error("--batch-size", "required with --dataset-size");
  if (o.dataset_size.empty()) usage_error("--dataset-size", "required with --batch-size");
  const Sizes s{parse_count("--batch-size", o.batch_size), parse_count("--dataset-size", o.dataset_size)};
  if (s.batch > s.dataset)
    usage_error("--batch-size", fmt::format("must not exceed --dataset-size ({}), got {}", s.dataset, s.batch));
  p.sampling_rate = static_cast<double>(s.batch) / static_cast<double>(s.dataset);
  p.how = fmt::format("q = batch size {} / dataset size {}", s.batch, s.dataset);
  return s;
}

// Sets p.steps (and adds to p.how) from --steps or --epochs (which needs the sizes).
void read_steps(const PrivacyQuestionOptions& o, const std::optional<Sizes>& sizes, PrivacyQuestion& p) {
  if (!o.steps.empty() && !o.epochs.empty()) usage_error("--steps", "give either --steps or --epochs, not both");
  if (o.steps.empty() && o.epochs.empty())
    usage_error("--steps", "required (or --epochs with --batch-size and --dataset-size)");
  if (!o.steps.empty()) {
    p.steps = parse_count("--steps", o.steps);
    return;
  }
  if (!sizes) usage_error("--epochs", "needs --batch-size and --dataset-size (steps = ceil(epochs * dataset / batch))");
  const double epochs = parse_number("--epochs", o.epochs);
  if (!(epochs > 0.0)) usage_error("--epochs", fmt::format("must be > 0, got {}", o.epochs));
  const long double steps = std::ceil(static_cast<long double>(epochs) * sizes->dataset / sizes->batch);
  if (!(steps <= kMaxCount)) {
    usage_error("--epochs", fmt::format("gives {} steps, more than {} (2^53), got {}", static_cast<double>(steps),
                                        kMaxCount, o.epochs));
  }
  p.steps = static_cast<int64_t>(steps);
  p.how += fmt::format("{}steps = ceil({} epochs * {} / {})", p.how.empty() ? "" : "; ", epochs, sizes->dataset,
                       sizes->batch);
}

double read_delta(const PrivacyQuestionOptions& o) {
  if (o.delta.empty()) usage_error("--delta", "required");
  const double delta = parse_number("--delta", o.delta);
  if (!(delta > 0.0 && delta < 1.0)) usage_error("--delta", fmt::format("must be in (0, 1), got {}", o.delta));
  return delta;
}

// The kind --accountant names, or nullopt for all.
std::optional<AccountantKind> read_accountant(const PrivacyQuestionOptions& o) {
  if (o.accountant == kAllAccountantsName) return std::nullopt;
  if (const std::optional<AccountantKind> kind = find_accountant(o.accountant)) return kind;
  usage_error("--accountant", fmt::format("unknown accountant '{}' (available: {}, {})", o.accountant,
                                          accountant_name_list(), kAllAccountantsName));
}

RdpConversion read_conversion(const PrivacyQuestionOptions& o) {
  if (o.conversion == "improved") return RdpConversion::kImproved;
  if (o.conversion == "classic") return RdpConversion::kClassic;
  usage_error("--conversion", fmt::format("must be improved or classic, got '{}'", o.conversion));
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

// --value-discretization-interval (pld), --eps-error and --delta-error (prv) into `s`.
void read_pld_prv_settings(const PrivacyQuestionOptions& o, double delta, AccountantSettings& s) {
  const double h = parse_number("--value-discretization-interval", o.value_discretization_interval);
  if (!(h >= kMinInterval && h <= 0.1)) {
    usage_error("--value-discretization-interval",
                fmt::format("must be in [{}, 0.1], got {}", kMinIntervalText, o.value_discretization_interval));
  }
  s.pld.value_discretization_interval = h;
  const double eps_error = parse_number("--eps-error", o.eps_error);
  if (!(eps_error >= 1e-4 && eps_error <= 1.0))
    usage_error("--eps-error", fmt::format("must be in [1e-4, 1], got {}", o.eps_error));
  s.prv.eps_error = eps_error;
  if (!o.delta_error.empty()) {
    const double delta_error = parse_number("--delta-error", o.delta_error);
    if (!(delta_error > 0.0 && delta_error < delta))
      usage_error("--delta-error", fmt::format("must be in (0, --delta), got {}", o.delta_error));
    s.prv.delta_error = delta_error;
  }
}

}  // namespace

PrivacyQuestion validate_question(const PrivacyQuestionOptions& o) {
  PrivacyQuestion p;
  const std::optional<Sizes> sizes = read_sampling_rate(o, p);
  read_steps(o, sizes, p);
  p.delta = read_delta(o);
  p.accountant = read_accountant(o);
  p.settings.rdp_conversion = read_conversion(o);
  p.settings.rdp_orders = parse_orders(o.orders);
  read_pld_prv_settings(o, p.delta, p.settings);
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

std::vector<EpsilonEstimate> estimates_for(const PrivacyQuestion& p, double sigma) {
  const std::vector<LedgerEntry> ledger = dp_sgd_ledger(p, sigma);
  std::vector<EpsilonEstimate> out;
  for (const AccountantKind kind : kAccountantKinds) {
    if (!p.accountant || *p.accountant == kind) out.push_back(estimate_epsilon(kind, ledger, p.delta, p.settings));
  }
  return out;
}

std::optional<EpsilonEstimate> rdp_fallback(const PrivacyQuestion& p, double sigma,
                                            const std::vector<EpsilonEstimate>& estimates) {
  if (!p.accountant || *p.accountant == AccountantKind::kRdp || estimates.size() != 1 ||
      !estimates.front().upper_bound || estimates.front().valid)
    return std::nullopt;
  return estimate_epsilon(AccountantKind::kRdp, dp_sgd_ledger(p, sigma), p.delta, p.settings);
}

}  // namespace dpt
