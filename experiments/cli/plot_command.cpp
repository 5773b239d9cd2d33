// The plot subcommand (see plot_command.hpp).
#include "experiments/cli/plot_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "base/number_format.hpp"
#include "core/error.hpp"
#include "experiments/cli/command_errors.hpp"
#include "experiments/config/config_schema.hpp"
#include "experiments/plots/sweep_plots.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/run_folder.hpp"
#include "experiments/run/run_plot_files.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool has(const std::string& dir, const char* name) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / name, ec);
}

std::string file_in(const std::string& dir, const char* name) { return (fs::path(dir) / name).string(); }

// The text of an input file; a missing, unreadable or irregular one is bad input (exit 2).
std::string read_input(const std::string& path) {
  if (!fs::exists(path)) throw UsageError(path + ": missing");
  try {
    return read_file(path);
  } catch (const IoError& e) {
    throw UsageError(e.what());
  }
}

json parse_object(const std::string& path, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw UsageError(path + ": not a JSON object (damaged?)");
  return j;
}

// j[key] as T, or UsageError naming the file and the key.
template <typename T>
T field(const json& j, const char* key, const std::string& path) {
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw UsageError(fmt::format("{}: \"{}\" is missing or not {} (damaged?)", path, key,
                                 std::is_same_v<T, std::string> ? "a string" : std::is_same_v<T, bool> ? "true or false" : "a number"));
  }
}

std::vector<std::string> run_plots(const std::string& dir) {
  if (!has(dir, "manifest.json")) throw UsageError(file_in(dir, "manifest.json") + ": missing (the run never started?)");
  const RunFolder lock = RunFolder::claim_existing(dir);  // before reading: not while the run itself writes them
  const std::string manifest_file = file_in(dir, "manifest.json");
  const json manifest = parse_object(manifest_file, read_input(manifest_file));
  const std::string privacy_file = file_in(dir, "privacy.json");
  const std::string metrics_file = file_in(dir, "metrics.jsonl");
  const json p = parse_object(privacy_file, read_input(privacy_file));
  const std::vector<json> epochs = epoch_lines_of(read_input(metrics_file));
  PrivacyReport r;
  r.run_name = field<std::string>(p, "run", privacy_file);
  r.enabled = field<bool>(p, "private", privacy_file);
  std::optional<RunAccounting> accounting;
  if (r.enabled) {
    r.delta = field<double>(p, "delta", privacy_file);
    if (p.contains("target_epsilon") && !p["target_epsilon"].is_null()) r.target_epsilon = field<double>(p, "target_epsilon", privacy_file);
    if (!p.contains("mechanism") || !p["mechanism"].is_object()) throw UsageError(privacy_file + ": \"mechanism\" is missing (damaged?)");
    const json& m = p["mechanism"];
    Resolved resolved;
    resolved.sampling_rate = field<double>(m, "sampling_rate", privacy_file);
    resolved.noise_multiplier = field<double>(m, "noise_multiplier", privacy_file);
    resolved.steps = field<int64_t>(m, "steps_planned", privacy_file);
    resolved.delta = r.delta;
    r.steps_planned = resolved.steps;
    const std::string setting = field<std::string>(p, "accountant_setting", privacy_file);
    PrivacyConfig privacy;
    bool known = false;
    for (const auto& entry : config_schema::kAccountants) {
      if (entry.name == setting) {
        privacy.accountant = entry.value;
        known = true;
      }
    }
    if (!known) throw UsageError(fmt::format("{}: \"accountant_setting\" is '{}', not an accountant (damaged?)", privacy_file, setting));
    const bool sane = resolved.sampling_rate >= 0 && resolved.sampling_rate <= 1 && resolved.noise_multiplier >= 0 &&
                      resolved.steps >= 0 && r.delta >= 0 && r.delta <= 1;
    if (!sane) throw UsageError(privacy_file + ": its mechanism (q, σ, steps, δ) is out of range (damaged?)");
    r.epsilon_history = p.contains("epsilon_history") ? p["epsilon_history"] : json::array();
    if (!r.epsilon_history.is_array()) throw UsageError(privacy_file + ": \"epsilon_history\" is not a list (damaged?)");
    for (const json& e : r.epsilon_history) {
      const bool ok = e.is_object() && e.contains("step") && e["step"].is_number_integer() && e["step"].get<int64_t>() >= 0 &&
                      e["step"].get<int64_t>() <= resolved.steps;
      if (!ok) throw UsageError(privacy_file + ": an \"epsilon_history\" entry has no step within the run's (damaged?)");
    }
    // privacy.json must describe the mechanism the run resolved (manifest.json), and every ε it
    // reports must be what the accountants give: nothing plotted is taken on trust.
    if (!manifest.contains("resolved") || !manifest["resolved"].is_object()) throw UsageError(manifest_file + ": \"resolved\" is missing (damaged?)");
    const json& mr = manifest["resolved"];
    const bool same = field<double>(mr, "sampling_rate", manifest_file) == resolved.sampling_rate &&
                      field<double>(mr, "noise_multiplier", manifest_file) == resolved.noise_multiplier &&
                      field<int64_t>(mr, "steps", manifest_file) == resolved.steps && field<double>(mr, "delta", manifest_file) == r.delta;
    if (!same) throw UsageError(privacy_file + ": its mechanism (q, σ, steps, δ) is not the one manifest.json resolved (edited?)");
    accounting.emplace(privacy, resolved);
    for (const json& e : r.epsilon_history) {
      const int64_t step = e["step"].get<int64_t>();
      const double recorded = !e.contains("epsilon") || e["epsilon"].is_null() ? std::numeric_limits<double>::infinity()
                              : e["epsilon"].is_number()                       ? e["epsilon"].get<double>()
                                                                               : std::nan("");
      if (!(recorded == accounting->headline_epsilon_at(step))) {
        throw UsageError(fmt::format("{}: epsilon_history says epsilon = {} after {} steps, but the run's accountants give {} (edited?)",
                                     privacy_file, format_number(recorded), step, format_number(accounting->headline_epsilon_at(step))));
      }
    }
  }
  write_run_plots(dir, r, accounting ? &*accounting : nullptr, epochs);
  std::vector<std::string> written;
  if (r.enabled) written.push_back(file_in(dir, "epsilon.svg"));
  written.push_back(file_in(dir, "training.svg"));
  return written;
}

// As the sweep writes it (experiments/sweep/sweep_plots.cpp): finished runs with a finite ε and
// a value of the selection metric.
std::vector<std::string> sweep_plots(const std::string& dir) {
  const std::string plan_file = file_in(dir, "sweep.json");
  const std::string summary_file = file_in(dir, "summary.jsonl");
  const std::string selection_file = file_in(dir, "selection.json");
  const json plan = parse_object(plan_file, read_input(plan_file));
  const json selection = parse_object(selection_file, read_input(selection_file));
  const std::string name = field<std::string>(plan, "name", plan_file);
  const std::string metric = field<std::string>(selection, "metric", selection_file);
  const std::string mode = field<std::string>(selection, "mode", selection_file);
  const double delta = field<double>(selection, "delta", selection_file);
  if (metric.rfind("validation.", 0) != 0) throw UsageError(selection_file + ": \"metric\" is not validation.<name> (damaged?)");
  const std::string key = metric.substr(std::string("validation.").size());
  const std::string text = read_input(summary_file);
  std::vector<FrontierPoint> points;
  size_t at = 0;
  int line_no = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    const std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    const json row = json::parse(line, nullptr, false);
    const std::string where = fmt::format("{}:{}", summary_file, line_no);
    if (row.is_discarded() || !row.is_object()) throw UsageError(where + ": not a JSON object (damaged?)");
    if (field<std::string>(row, "status", where) != "complete") continue;
    if (!row.contains("epsilon") || !row["epsilon"].is_number()) continue;
    const json& v = row.contains("validation") ? row["validation"] : json();
    if (!v.is_object() || !v.contains(key) || !v[key].is_number()) continue;
    points.push_back(FrontierPoint{row["epsilon"].get<double>(), v[key].get<double>(), field<std::string>(row, "id", where),
                                   row.value("selected", false)});
  }
  const std::string title = "Sweep " + name + ": " + metric + " against ε (δ = " + format_number(delta) + ")";
  const std::string out = file_in(dir, "frontier.svg");
  write_file_atomic(out, frontier_svg(points, metric, title, mode == "max"));
  return {out};
}

}  // namespace

std::vector<std::string> write_folder_plots(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw UsageError(dir + ": no such folder");
  if (!fs::is_directory(dir, ec)) throw UsageError(dir + ": not a folder");
  if (has(dir, "sweep.json")) return sweep_plots(dir);
  if (has(dir, "manifest.json") || has(dir, "privacy.json")) return run_plots(dir);
  throw UsageError(dir + ": neither a run folder (no manifest.json, privacy.json) nor a sweep folder (no sweep.json, summary.jsonl)");
}

void PlotCommand::add_to(CLI::App& app) {
  plot = app.add_subcommand("plot", "write a run folder's epsilon.svg and training.svg, or a sweep folder's frontier.svg, again");
  plot->add_option("dir", dir, "run folder or sweep folder")->required();
}

int PlotCommand::dispatch() const {
  if (plot == nullptr || !*plot) return -1;
  return guarded("plot", [&] {
    for (const std::string& f : write_folder_plots(dir)) fmt::print("wrote {}\n", f);
    return 0;
  });
}

}  // namespace dpt
