// A sweep's results and their files (see sweep_summary.hpp; the format is docs/sweep.md).
#include "experiments/sweep/sweep_summary.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "base/number_format.hpp"
#include "core/error.hpp"
#include "core/io/regular_file.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;
using nlohmann::ordered_json;

constexpr uint64_t kMaxRunFileBytes = uint64_t{256} << 20;

json read_json_file(const std::string& file) {
  const FileRead r = read_regular_file(file, kMaxRunFileBytes);
  if (r.failure != FileReadFailure::kNone) throw IoError(file + ": cannot read it");
  json j = json::parse(r.bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw IoError(file + ": not a JSON object (damaged?)");
  return j;
}

// The last epoch line's validation object of metrics.jsonl (null when no epoch had a validation).
json last_validation(const std::string& file) {
  const FileRead r = read_regular_file(file, kMaxRunFileBytes);
  if (r.failure != FileReadFailure::kNone) throw IoError(file + ": cannot read it");
  json last = nullptr;
  std::istringstream lines(r.bytes);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"kind\":\"epoch\"") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("validation") && j["validation"].is_object()) last = j["validation"];
  }
  return last;
}

RunMechanism mechanism_of(const json& privacy, const std::string& file) {
  try {
    RunMechanism m;
    m.is_private = privacy.at("private").get<bool>();
    m.delta = privacy.at("delta").is_number() ? privacy.at("delta").get<double>() : 0.0;
    if (m.is_private) {
      const json& mech = privacy.at("mechanism");
      m.sampling_rate = mech.at("sampling_rate").get<double>();
      m.noise_multiplier = mech.at("noise_multiplier").get<double>();
      m.steps = mech.at("steps_done").get<int64_t>();
    }
    return m;
  } catch (const json::exception& e) {
    throw IoError(file + ": no DP-SGD mechanism in it (" + std::string(e.what()) + ")");
  }
}

std::string metric_key(const SweepSpec& spec) { return spec.selection.metric.substr(std::string("validation.").size()); }

std::string cell(const json& v) {
  if (v.is_null()) return "—";
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// An epsilon for the tables: 4 decimals rounded up (never below the computed value).
std::string eps_cell(double x) {
  if (std::isinf(x)) return "∞";
  if (std::isnan(x)) return "—";
  return format_fixed_up(x, 4);
}

std::string fixed(double x, int digits = 4) {
  if (std::isinf(x)) return "∞";
  if (std::isnan(x)) return "—";
  return fmt::format("{:.{}f}", x, digits);
}

}  // namespace

SweepResult summarise_sweep(const SweepSpec& spec, const SweepPlan& plan, const std::string& dir,
                            const std::vector<RunOutcome>& outcomes, const std::vector<RunMechanism>& planned,
                            const std::vector<RunMechanism>& space) {
  SweepResult result;
  // Composed: every run that started (charged, trained some steps), at its planned mechanism — a
  // run that failed half way still looked at the data — never at what a file read back says.
  std::vector<RunMechanism> done;
  int64_t unfinished = 0;
  double delta = 0.0;
  const std::string key = metric_key(spec);
  for (std::size_t i = 0; i < plan.points.size(); ++i) {
    SweepRow row;
    row.point = &plan.points[i];
    row.outcome = outcomes[i];
    if (row.outcome.complete) {
      const std::string run = run_dir_of(dir, plan.points[i]);
      const json privacy = read_json_file(run + "/privacy.json");
      row.mechanism = mechanism_of(privacy, run + "/privacy.json");
      row.epsilon = privacy.contains("epsilon") && privacy["epsilon"].is_number() ? privacy["epsilon"].get<double>()
                                                                                    : std::numeric_limits<double>::infinity();
      row.validation = last_validation(run + "/metrics.jsonl");
      if (privacy.contains("results") && privacy["results"].is_object() && privacy["results"].contains("test")) {
        row.test = privacy["results"]["test"];
      }
      if (row.validation.is_object() && row.validation.contains(key) && row.validation[key].is_number()) {
        row.metric = row.validation[key].get<double>();
      }
      const RunMechanism& p = planned[i];
      const RunMechanism& m = *row.mechanism;
      if (m.is_private != p.is_private || m.delta != p.delta ||
          (p.is_private && (m.sampling_rate != p.sampling_rate || m.noise_multiplier != p.noise_multiplier || m.steps != p.steps))) {
        throw IoError(run + "/privacy.json: its mechanism (q, sigma, steps, delta) is not the one this sweep planned for " +
                      plan.points[i].id + "; remove the run folder to run it again");
      }
    }
    if (row.outcome.complete || fs::exists(fs::path(run_dir_of(dir, plan.points[i])) / "manifest.json")) {
      done.push_back(planned[i]);
      delta = std::max(delta, planned[i].delta);
      if (!row.outcome.complete) ++unfinished;
    }
    result.rows.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < result.rows.size(); ++i) {  // the first best wins ties (plan order)
    const std::optional<double>& m = result.rows[i].metric;
    if (!m || std::isnan(*m)) continue;
    if (!result.best || (spec.selection.maximize ? *m > *result.rows[*result.best].metric : *m < *result.rows[*result.best].metric)) {
      result.best = i;
    }
  }
  if (delta == 0.0) {  // no run finished: price the plan at the search space's delta
    for (const RunMechanism& m : space) delta = std::max(delta, m.delta);
  }
  result.price = sweep_price(done, space, spec.selection.trials, delta);
  if (unfinished > 0) {
    const std::string why = fmt::format("the composition counts {} run(s) that started but did not finish, at their planned steps", unfinished);
    result.price.note = result.price.note.empty() ? why : result.price.note + "; " + why;
  }
  for (const SweepRow& row : result.rows) {
    if (row.outcome.complete) result.price.largest_run_epsilon = std::max(result.price.largest_run_epsilon, row.epsilon);
  }
  return result;
}

std::string write_sweep_summary(const SweepSpec& spec, const SweepPlan& plan, const SweepResult& result, const std::string& dir) {
  const std::string key = metric_key(spec);
  std::string jsonl;
  for (const SweepRow& row : result.rows) {
    ordered_json j;
    j["id"] = row.point->id;
    j["axes"] = row.point->axes;
    j["status"] = row.outcome.complete ? "complete" : "failed";
    j["exit"] = row.outcome.exit_code;
    j["epsilon"] = row.outcome.complete && std::isfinite(row.epsilon) ? json(row.epsilon) : json(nullptr);
    j["delta"] = row.mechanism ? json(row.mechanism->delta) : json(nullptr);
    j["noise_multiplier"] = row.mechanism && row.mechanism->is_private ? json(row.mechanism->noise_multiplier) : json(nullptr);
    j["sampling_rate"] = row.mechanism && row.mechanism->is_private ? json(row.mechanism->sampling_rate) : json(nullptr);
    j["steps"] = row.mechanism ? json(row.mechanism->steps) : json(nullptr);
    j["validation"] = row.validation;
    j["test"] = row.test;
    j["selected"] = result.best && result.rows[*result.best].point == row.point;
    j["wall_seconds"] = row.outcome.wall_seconds ? json(*row.outcome.wall_seconds) : json(nullptr);
    j["run_dir"] = "runs/" + row.point->id;
    jsonl += j.dump() + "\n";
  }
  write_file_atomic(dir + "/summary.jsonl", jsonl);

  const SweepPrice& p = result.price;
  const bool tuning = p.tuning_epsilon.has_value();
  // With trials the release is the selected model alone (K and the other trials unpublished): the
  // tuning bound. Not the smaller of it and the composition of the K trials that ran: that
  // composition holds given K, and choosing between the two by K would reveal K.
  const double release = tuning ? *p.tuning_epsilon : p.composed_epsilon;
  ordered_json sel;
  sel["format"] = "dptrain-sweep-selection/1";
  sel["metric"] = spec.selection.metric;
  sel["mode"] = spec.selection.maximize ? "max" : "min";
  sel["selected"] = result.best ? json(result.rows[*result.best].point->id) : json(nullptr);
  sel["selected_metric"] = result.best ? json(*result.rows[*result.best].metric) : json(nullptr);
  sel["delta"] = p.delta;
  sel["epsilon"] = std::isfinite(release) ? json(release) : json(nullptr);
  sel["epsilon_is"] = tuning ? "the tuning bound: the selected model alone, K and the other trials unpublished"
                             : "the plain composition of every run of the sweep";
  sel["runs_composed"] = p.runs;
  sel["composed_epsilon_pld"] = std::isfinite(p.composed_epsilon) ? json(p.composed_epsilon) : json(nullptr);
  sel["composed_epsilon_rdp"] = std::isfinite(p.composed_epsilon_rdp) ? json(p.composed_epsilon_rdp) : json(nullptr);
  sel["largest_run_epsilon"] = p.largest_run_epsilon;
  if (tuning) {
    const TuningTrials& t = *spec.selection.trials;
    sel["trials"] = {{"distribution", t.distribution}, {"mean", t.mean},
                     {"shape", std::isfinite(t.shape) ? json(t.shape) : json("inf")}, {"seed", t.seed ? json(*t.seed) : json(nullptr)}, {"drawn_from", plan.trials_from_os ? "the OS (secure mode)" : "selection.trials.seed"}, {"drawn", plan.trials},
                     {"search_space", plan.search_space}};
    sel["tuning_epsilon_rdp"] = std::isfinite(*p.tuning_epsilon) ? json(*p.tuning_epsilon) : json(nullptr);
    sel["tuning_order"] = p.tuning_order ? json(*p.tuning_order) : json(nullptr);
    sel["search_space_composed_epsilon"] =
        p.space_composed_epsilon && std::isfinite(*p.space_composed_epsilon) ? json(*p.space_composed_epsilon) : json(nullptr);
  }
  if (!p.note.empty()) sel["note"] = p.note;
  write_file_atomic(dir + "/selection.json", sel.dump(2) + "\n");

  std::string md = fmt::format("# Sweep `{}`: {} runs\n\n", spec.name, plan.points.size());
  md += fmt::format("Base config: `{}`. Selection: `{}` ({}), on the last epoch's validation metrics.\n\n", spec.base_origin,
                    spec.selection.metric, spec.selection.maximize ? "max" : "min");
  if (tuning) {
    const TuningTrials& t = *spec.selection.trials;
    md += fmt::format("Trials: K ~ {} with mean {} drew **K = {}** of a search space of {} points ({}).\n\n",
                      t.distribution == "poisson" ? std::string("Poisson") : fmt::format("truncated negative binomial (η = {})", format_number(t.shape)),
                      format_number(t.mean), plan.trials, plan.search_space,
                      plan.trials_from_os ? std::string("drawn from the OS: secure mode")
                                          : fmt::format("drawn from selection.trials.seed {}", *t.seed));
  }
  std::vector<std::string> axis_names;
  if (!plan.points.empty()) {
    for (const auto& [path, v] : plan.points.front().axes.items()) axis_names.push_back(path);
  }
  md += "| run |";
  for (const std::string& a : axis_names) md += " " + a + " |";
  md += fmt::format(" ε (δ = {}) | validation {} | test {} | wall (s) | status |\n|---|", format_number(p.delta), key, key);
  for (std::size_t i = 0; i < axis_names.size(); ++i) md += "---|";
  md += "---|---|---|---|---|\n";
  for (const SweepRow& row : result.rows) {
    const bool best = result.best && result.rows[*result.best].point == row.point;
    md += fmt::format("| {}{} |", row.point->id, best ? " **(selected)**" : "");
    for (const std::string& a : axis_names) md += " " + cell(row.point->axes[a]) + " |";
    const json test_value = row.test.is_object() && row.test.contains(key) ? row.test[key] : json(nullptr);
    const std::string test_cell = test_value.is_number() ? fixed(test_value.get<double>()) : cell(test_value);
    md += fmt::format(" {} | {} | {} | {} | {} |\n", row.outcome.complete ? eps_cell(row.epsilon) : "—",
                      row.metric ? fixed(*row.metric) : "—", test_cell,
                      row.outcome.wall_seconds ? fixed(*row.outcome.wall_seconds, 1) : "—",
                      row.outcome.complete ? "complete" : fmt::format("failed (exit {}, `{}`)", row.outcome.exit_code, "logs/" + row.point->id + ".log"));
  }
  md += "\n## The privacy price of releasing the selected model\n\n";
  if (result.best) {
    md += fmt::format("Selected: **{}** ({}), validation {} {}.\n\n", result.rows[*result.best].point->id,
                      describe_axes(result.rows[*result.best].point->axes), key, fixed(*result.rows[*result.best].metric));
  } else {
    md += "Selected: none (no run finished with the selection metric).\n\n";
  }
  md += fmt::format("| release | ε (δ = {}) |\n|---|---|\n", format_number(p.delta));
  md += fmt::format("| one run alone (the largest, as its report says) — **not** the price of the selected model | {} |\n", eps_cell(p.largest_run_epsilon));
  md += fmt::format("| plain composition of the {} runs (PLD; RDP {}) | {} |\n", p.runs, eps_cell(p.composed_epsilon_rdp), eps_cell(p.composed_epsilon));
  if (tuning) {
    md += fmt::format("| tuning: best of a random number of trials (RDP, Papernot & Steinke 2022; order {}) | {} |\n",
                      p.tuning_order ? format_number(*p.tuning_order) : "—", eps_cell(*p.tuning_epsilon));
    md += fmt::format("| for comparison: every point of the search space run once, composed ({} runs, not run) | {} |\n",
                      plan.search_space, eps_cell(p.space_composed_epsilon.value_or(std::numeric_limits<double>::infinity())));
  }
  md += fmt::format("| **the selected model, search included** | **{}** |\n\n", eps_cell(release));
  md += tuning ? std::string("The tuning bound covers releasing the selected model (and its validation score) only, with K and the other "
                 "trials kept unpublished; the plain composition of the trials that ran covers releasing every trial (and K). ") +
                     (plan.trials_from_os ? "" : "K and the trial points follow from `selection.trials.seed` (reproducible mode): the bound "
                                                 "assumes that seed was fixed before K was known and never re-drawn until K suited — a "
                                                 "chosen K is not a random one. `privacy.secure_mode: true` draws them from the OS instead. ")
               : "Releasing the best of these runs costs the composition of all of them: the choice looked at every run. "
                 "Set `selection.trials` to run a random number of trials and pay the (often smaller) tuning bound. ";
  md += "The selection reads validation metrics computed on the validation split, and the test column on the test split: "
        "neither split is protected by DP-SGD (only the training examples are). This table is for the researcher; "
        "publishing it releases every run's results.\n";
  if (!p.note.empty()) md += "\nNote: " + p.note + "\n";
  md += "\nPlot: [privacy–utility frontier](frontier.svg). Every run's folder is under `runs/`, its output in `logs/`.\n";
  write_file_atomic(dir + "/summary.md", md);
  return md;
}

}  // namespace dpt
