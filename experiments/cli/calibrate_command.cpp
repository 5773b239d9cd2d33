// `dptrain calibrate`: validate the target, tolerance and question, search the noise multiplier
// with calibrate_noise_multiplier over the registry's factory of the chosen accountant, then
// report it with the epsilon it gets and, when narrowing stopped early, why.
#include "experiments/cli/calibrate_command.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <vector>

#include "dp/accounting/calibration.hpp"
#include "experiments/cli/accounting_output.hpp"
#include "experiments/cli/command_errors.hpp"
#include "experiments/cli/flag_values.hpp"

namespace dpt {
namespace {

// --tolerance: a double sigma has ~16 digits; below this, narrowing could only repeat evaluations
// until the budget ran out (1e-16 is below one ulp and never converges).
constexpr double kMinTolerance = 1e-12;
// calibrate evaluates epsilon(sigma) at most this many times, bracketing included (5-11 in the
// usual cases; one pld/prv evaluation costs up to ~2 s on 2 cores): then it stops with the last
// sigma that met the target and says how close it got.
constexpr int kMaxEvaluations = 12;

struct Calibration {
  double target = 0.0;
  double tolerance = 0.0;
  PrivacyQuestion question;
  AccountantKind kind = AccountantKind::kRdp;
};

// "rdp, pld, prv or gdp": the kinds the registry lets calibrate.
std::string calibratable_names() {
  std::vector<std::string_view> names;
  for (const AccountantKind kind : kAccountantKinds) {
    if (capabilities(kind).supports_calibration) names.push_back(accountant_name(kind));
  }
  std::string list;
  for (size_t k = 0; k < names.size(); ++k) {
    list += k == 0 ? "" : (k + 1 == names.size() ? " or " : ", ");
    list += names[k];
  }
  return list;
}

Calibration validate_calibration(const CalibrateOptions& options) {
  Calibration c;
  c.target = parse_number("--target-epsilon", options.target_epsilon);
  if (!(c.target > 0.0)) usage_error("--target-epsilon", fmt::format("must be > 0, got {}", options.target_epsilon));
  c.tolerance = parse_number("--tolerance", options.tolerance);
  if (!(c.tolerance >= kMinTolerance && c.tolerance <= 0.01)) {
    usage_error("--tolerance", fmt::format("must be in [{}, 0.01], got {}", kMinTolerance, options.tolerance));
  }
  c.question = validate_question(options.question);
  if (!c.question.accountant) {
    usage_error("--accountant", fmt::format("calibrate needs one accountant ({}), got '{}'", calibratable_names(),
                                            kAllAccountantsName));
  }
  c.kind = *c.question.accountant;
  if (!capabilities(c.kind).supports_calibration) {
    usage_error("--accountant", fmt::format("calibrate needs one of {}, got '{}'", calibratable_names(),
                                            accountant_name(c.kind)));
  }
  return c;
}

// Why narrowing stopped before the tolerance (NoiseCalibration::converged is false), for the JSON.
std::string stop_reason(const NoiseCalibration& c) {
  if (c.at_certification_edge) return "certification_edge";
  if (c.evaluations >= kMaxEvaluations) return "evaluation_budget";
  return "not_monotone";
}

// What the sigma found is, in words: printed beside it.
std::string calibration_note(const NoiseCalibration& c, double tolerance, std::string_view accountant) {
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

void add_calibration_json(nlohmann::json& out, const NoiseCalibration& c, const Calibration& q) {
  out["target_epsilon"] = q.target;
  out["tolerance"] = q.tolerance;
  out["evaluations"] = c.evaluations;
  if (!c.converged) {
    out["converged"] = false;
    out["stopped"] = stop_reason(c);
    out["relative_width"] = c.relative_width;
    out["lower_epsilon"] = json_number(c.lower_epsilon);  // at sigma (1 - relative_width)
  }
}

void print_report(const Calibration& q, const NoiseCalibration& c, const std::vector<EpsilonEstimate>& estimates) {
  const PrivacyQuestion& p = q.question;
  const AccountantCapabilities caps = capabilities(q.kind);
  const std::string_view name = accountant_name(q.kind);
  fmt::print("{}\n", q.kind == AccountantKind::kRdp
                         ? rdp_title(p)
                         : fmt::format("{} accountant, Poisson-sampled Gaussian, add/remove-one adjacency", name));
  fmt::print("  target epsilon       {}\n", q.target);
  print_question(p);
  fmt::print("  noise multiplier     {}  ({}; epsilon <= target holds{})\n", c.noise_multiplier,
             calibration_note(c, q.tolerance, name),
             caps.upper_bound ? "" : fmt::format(" for the {} APPROXIMATION only: not a guarantee", caps.label));
  print_answer(p, estimates, c.noise_multiplier, 9);
}

}  // namespace

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

int run_calibrate_command(const CalibrateOptions& options) {
  return guarded("calibrate", [&] {
    const Calibration q = validate_calibration(options);
    const PrivacyQuestion& p = q.question;
    const NoiseCalibration c =
        calibrate_noise_multiplier(q.target, p.sampling_rate, p.steps, p.delta, accountant_factory(q.kind, p.settings),
                                   q.tolerance, kMaxEvaluations);
    const std::vector<EpsilonEstimate> estimates = estimates_for(p, c.noise_multiplier);
    if (!options.question.json) {
      print_report(q, c, estimates);
      return 0;
    }
    nlohmann::json out = answer_json(p, estimates, c.noise_multiplier);
    add_calibration_json(out, c, q);
    fmt::print("{}\n", out.dump());
    warn_grid_edge(p, estimates);
    return 0;
  });
}

}  // namespace dpt
