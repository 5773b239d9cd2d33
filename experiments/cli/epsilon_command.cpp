// `dptrain epsilon`: validate the question, ask the accountant(s) chosen through the registry,
// print the report or one JSON object (a single pld or prv without a valid bound gets the RDP
// bound beside it).
#include "experiments/cli/epsilon_command.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <vector>

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

int run_epsilon_command(const EpsilonOptions& options) {
  return guarded("epsilon", [&] {
    const double sigma = read_noise_multiplier(options);
    const PrivacyQuestion p = validate_question(options.question);
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
