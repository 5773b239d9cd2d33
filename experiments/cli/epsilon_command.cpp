// `dptrain epsilon`: validate the question, ask the accountant(s) chosen through the registry,
// print the report or one JSON object (a single pld or prv without a valid bound gets the RDP
// bound beside it). --repeat-and-select: the RDP of one run through repeat_and_select_rdp
// (dp/accounting/repeat_and_select.hpp), converted as the question's RDP conversion says.
#include "experiments/cli/epsilon_command.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "dp/accounting/rdp_conversion.hpp"
#include "dp/accounting/rdp_math.hpp"
#include "dp/accounting/repeat_and_select.hpp"
#include "experiments/cli/accounting_output.hpp"
#include "experiments/cli/command_errors.hpp"
#include "experiments/cli/flag_values.hpp"

namespace dpt {
namespace {

double read_noise_multiplier(const EpsilonOptions& options) {
  const double sigma = parse_number("--noise-multiplier", options.noise_multiplier);
  if (!(sigma >= 0.0)) usage_error("--noise-multiplier", fmt::format("must be >= 0, got {}", options.noise_multiplier));
  return sigma;
}

void print_title(const PrivacyQuestion& p) {
  if (p.accountant == AccountantKind::kRdp) {
    fmt::print("{}\n", rdp_title(p));
    return;
  }
  fmt::print("{}\n", p.accountant ? fmt::format("{} accountant", accountant_name(*p.accountant)) : "All accountants");
  fmt::print("  Poisson-sampled Gaussian, add/remove-one adjacency\n");
}

void print_report(const PrivacyQuestion& p, double sigma, const std::vector<EpsilonEstimate>& estimates,
                  const std::optional<EpsilonEstimate>& fallback) {
  print_title(p);
  fmt::print("  noise multiplier     {}\n", sigma);
  print_question(p);
  print_answer(p, estimates, sigma, 6);
  if (fallback) {
    fmt::print("  fallback: rdp        {}  [{}]  ({} has no valid bound here)\n", eps_text(fallback->epsilon),
               bound_label(*fallback), accountant_name(*p.accountant));
  }
}

// The number of trials K of --repeat-and-select: E[K] and the shape eta (+inf = Poisson).
constexpr double kInf = std::numeric_limits<double>::infinity();

struct TrialCount {
  double mean = 0.0;
  double shape = kInf;
};

TrialCount read_trial_count(const std::string& text) {
  const std::string flag = "--repeat-and-select";
  TrialCount k;
  const std::size_t comma = text.find(',');
  k.mean = parse_number(flag, text.substr(0, comma));
  if (comma != std::string::npos) {
    const std::string shape = text.substr(comma + 1);
    k.shape = shape == "poisson" ? kInf : parse_number(flag, shape);
    if (std::isinf(k.shape) && shape != "poisson") {
      usage_error(flag, "the shape must be finite (write \"poisson\" for a Poisson number of trials)");
    }
  }
  try {
    check_repeat_and_select_parameters(k.mean, k.shape, "the mean number of trials", "the shape");
  } catch (const AccountingError& e) {
    usage_error(flag, e.what());
  }
  return k;
}

// One run (`steps` Poisson-sampled Gaussian steps) as one trial; only the best trial released.
int run_repeat_and_select(const PrivacyQuestion& p, double sigma, const TrialCount& k, bool json) {
  if (p.accountant != AccountantKind::kRdp) {
    usage_error("--repeat-and-select", "is accounted in RDP only (Papernot & Steinke 2022): use --accountant rdp");
  }
  const std::vector<double>& orders = p.settings.rdp_orders;
  std::vector<double> one_run = rdp_poisson_subsampled_gaussian(p.sampling_rate, sigma, orders);
  for (double& r : one_run) r *= static_cast<double>(p.steps);
  const std::vector<double> tuned = repeat_and_select_rdp(orders, one_run, k.mean, k.shape);
  const RdpEpsilon run = epsilon_from_rdp(orders, one_run, p.delta, p.settings.rdp_conversion);
  const RdpEpsilon best = epsilon_from_rdp(orders, tuned, p.delta, p.settings.rdp_conversion);
  const std::string distribution =
      std::isinf(k.shape) ? "poisson" : fmt::format("truncated_negative_binomial (shape {})", k.shape);
  if (json) {
    nlohmann::json out = {{"accountant", "rdp"},
                          {"conversion", to_string(p.settings.rdp_conversion)},
                          {"noise_multiplier", sigma},
                          {"sampling_rate", p.sampling_rate},
                          {"steps", p.steps},
                          {"delta", p.delta},
                          {"trials", {{"distribution", std::isinf(k.shape) ? "poisson" : "truncated_negative_binomial"},
                                      {"mean", k.mean},
                                      {"shape", json_number(k.shape)}}},
                          {"epsilon_one_run", json_number(run.epsilon)},
                          {"epsilon", json_number(best.epsilon)},
                          {"optimal_order", best.optimal_order}};
    fmt::print("{}\n", out.dump());
    return 0;
  }
  fmt::print("{}\n", rdp_title(p));
  fmt::print("  noise multiplier     {}\n", sigma);
  print_question(p);
  fmt::print("  trials K             {}, E[K] = {} (Papernot & Steinke 2022)\n", distribution, k.mean);
  fmt::print("  one run              epsilon {}\n", eps_text(run.epsilon));
  fmt::print("  best of K runs       epsilon {}\n", eps_text(best.epsilon));
  fmt::print("    optimal RDP order  {}\n", best.optimal_order);
  fmt::print("  (covers releasing the best run only: not the others, their scores or K)\n");
  return 0;
}

}  // namespace

CLI::App* add_epsilon_command(CLI::App& app, EpsilonOptions& options) {
  CLI::App* cmd = app.add_subcommand("epsilon", "epsilon spent by DP-SGD (Poisson-sampled Gaussian) at a given delta");
  cmd->add_option("--noise-multiplier,-s", options.noise_multiplier,
                  "noise multiplier sigma >= 0 (noise std / clip norm)")
      ->type_name("S")
      ->required();
  cmd->add_option("--repeat-and-select", options.repeat_and_select,
                  "the epsilon of releasing the best of K such runs, K random with E[K] = MEAN: SHAPE is the "
                  "truncated negative binomial's eta > -1 (1 = geometric) or poisson (default); rdp only")
      ->type_name("MEAN[,SHAPE]");
  add_question_options(*cmd, options.question);
  return cmd;
}

int run_epsilon_command(const EpsilonOptions& options) {
  return guarded("epsilon", [&] {
    const double sigma = read_noise_multiplier(options);
    const PrivacyQuestion p = validate_question(options.question);
    if (!options.repeat_and_select.empty()) {
      return run_repeat_and_select(p, sigma, read_trial_count(options.repeat_and_select), options.question.json);
    }
    const std::vector<EpsilonEstimate> estimates = estimates_for(p, sigma);
    const std::optional<EpsilonEstimate> fallback = rdp_fallback(p, sigma, estimates);
    if (!options.question.json) {
      print_report(p, sigma, estimates, fallback);
      return 0;
    }
    nlohmann::json out = answer_json(p, estimates, sigma);
    if (fallback) out["fallback"] = to_json(*fallback);
    fmt::print("{}\n", out.dump());
    warn_grid_edge(p, estimates);
    return 0;
  });
}

}  // namespace dpt
