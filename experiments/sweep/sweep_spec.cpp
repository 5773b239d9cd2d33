// Reading a sweep file (see sweep_spec.hpp; the format is docs/sweep.md).
#include "experiments/sweep/sweep_spec.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string_view>

#include "base/number_format.hpp"
#include "dp/random/tuning_trials.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/config/config_reader.hpp"

namespace dpt {
namespace {

using nlohmann::json;
using namespace config_detail;

constexpr std::string_view kSweepKeys[] = {"name", "base", "set", "grid", "random", "seeds", "selection", "ledger"};
constexpr std::string_view kRandomKeys[] = {"samples", "seed", "axes"};
constexpr std::string_view kRangeKeys[] = {"uniform", "log_uniform", "int_uniform"};
constexpr std::string_view kSelectionKeys[] = {"metric", "mode", "trials"};
constexpr std::string_view kValidationMetrics[] = {"loss", "accuracy", "mse", "mse_original_units", "rmse_original_units", "bits_per_byte"};
constexpr std::string_view kTrialsKeys[] = {"distribution", "mean", "shape", "seed"};
constexpr std::string_view kModes[] = {"max", "min"};
constexpr std::string_view kDistributions[] = {"poisson", "truncated_negative_binomial"};

// Sweep names become folder names: letters, digits, '.', '_' and '-', not starting with '.'.
void check_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 100 && name[0] != '.' &&
                  name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                      std::string::npos;
  if (!ok) throw ConfigError("name", "must be 1-100 letters, digits, '.', '_' or '-' (not starting with '.'), got " + describe(json(name)));
}

// An axis or override path: dotted keys with optional [i] indices, e.g. "model.lstm[0].hidden".
void check_path_syntax(const std::string& path, const std::string& where) {
  const bool ok = !path.empty() && path.front() != '.' && path.back() != '.' && path.find("..") == std::string::npos &&
                  path.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.[]") == std::string::npos;
  if (!ok) throw ConfigError(where, "is not a config path (dotted keys such as training.optimizer.learning_rate)");
  // One ledger per sweep, previewed before the first run: an axis (or set) on it would charge
  // runs to ledgers the preview never saw (and runs differing only in it share one run key).
  if (path == "privacy.ledger") {
    throw ConfigError(where, "a sweep charges one ledger: name it with the sweep's \"ledger\" key, not in set, grid or random");
  }
}

json read_base(const json& value, const std::string& file, std::string& origin) {
  if (value.is_object()) {
    origin = file + ": base";
    return value;
  }
  if (!value.is_string()) throw ConfigError("base", "must be a config file path or a config object, got " + describe(value));
  std::filesystem::path p = value.get<std::string>();
  if (p.empty()) throw ConfigError("base", "must not be empty");
  if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;  // relative to the sweep file
  origin = p.lexically_normal().string();
  json base = parse_config_json(read_config_file(origin), origin);
  if (!base.is_object()) throw ConfigError("", origin + ": the config must be a JSON object, got " + describe(base));
  return base;
}

std::vector<SweepAxis> read_grid(const json& grid) {
  if (!grid.is_object()) throw ConfigError("grid", "must be an object {config path: [values]}, got " + describe(grid));
  if (grid.empty()) throw ConfigError("grid", "is empty: give at least one axis, e.g. {\"training.optimizer.learning_rate\": [0.001, 0.01]}");
  std::vector<SweepAxis> axes;
  for (const auto& [path, values] : grid.items()) {
    const std::string where = join_path("grid", path);
    check_path_syntax(path, where);
    if (!values.is_array()) throw ConfigError(where, "must be an array of values, got " + describe(values));
    if (values.empty()) throw ConfigError(where, "is an empty axis: give at least one value");
    SweepAxis axis{path, SweepAxis::Kind::kValues, {}, 0.0, 0.0};
    for (const json& v : values) axis.values.push_back(v);
    axes.push_back(std::move(axis));
  }
  return axes;
}

SweepAxis read_random_axis(const std::string& path, const json& spec, const std::string& where) {
  check_path_syntax(path, where);
  if (spec.is_array()) {
    if (spec.empty()) throw ConfigError(where, "is an empty axis: give at least one value");
    return SweepAxis{path, SweepAxis::Kind::kValues, std::vector<json>(spec.begin(), spec.end()), 0.0, 0.0};
  }
  const ObjectReader r(spec, where, kRangeKeys);
  if (spec.size() != 1) throw ConfigError(where, "needs exactly one of uniform, log_uniform, int_uniform: [lo, hi]");
  const auto& [kind_name, range] = *spec.items().begin();
  const std::string at = r.path_of(kind_name);
  if (!range.is_array() || range.size() != 2) throw ConfigError(at, "must be [lo, hi], got " + describe(range));
  SweepAxis axis{path, SweepAxis::Kind::kUniform, {}, to_number(range[0], at + "[0]", kAnyReal), to_number(range[1], at + "[1]", kAnyReal)};
  if (kind_name == "log_uniform") {
    axis.kind = SweepAxis::Kind::kLogUniform;
    if (!(axis.lo > 0.0)) throw ConfigError(at + "[0]", "must be > 0 for a log-uniform range");
  } else if (kind_name == "int_uniform") {
    axis.kind = SweepAxis::Kind::kIntUniform;
    axis.lo = static_cast<double>(to_integer(range[0], at + "[0]", -(int64_t{1} << 52), int64_t{1} << 52));
    axis.hi = static_cast<double>(to_integer(range[1], at + "[1]", -(int64_t{1} << 52), int64_t{1} << 52));
  }
  if (!(axis.lo <= axis.hi)) throw ConfigError(at, "lo must be <= hi");
  return axis;
}

void read_random(const json& random, SweepSpec& spec) {
  const ObjectReader r(random, "random", kRandomKeys);
  const json* samples = r.find("samples");
  if (samples == nullptr) throw ConfigError("random.samples", "is missing: how many points to draw");
  spec.samples = to_integer(*samples, "random.samples", 1, kMaxSweepRuns);
  const json* seed = r.find("seed");
  if (seed == nullptr) throw ConfigError("random.seed", "is missing: the seed of the draws (a sweep is reproducible)");
  spec.random_seed = to_unsigned(*seed, "random.seed");
  const json* axes = r.find("axes");
  if (axes == nullptr || !axes->is_object() || axes->empty()) {
    throw ConfigError("random.axes", "must be a non-empty object {config path: [values] | {\"uniform\": [lo, hi]} | ...}");
  }
  for (const auto& [path, axis] : axes->items()) spec.axes.push_back(read_random_axis(path, axis, join_path("random.axes", path)));
}

std::vector<uint64_t> read_seeds(const json& seeds, const json& base) {
  if (seeds.is_array()) {
    if (seeds.empty()) throw ConfigError("seeds", "is empty");
    std::vector<uint64_t> out;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      out.push_back(to_unsigned(seeds[i], index_path("seeds", i)));
      for (std::size_t j = 0; j + 1 < out.size(); ++j) {
        if (out[j] == out.back()) throw ConfigError(index_path("seeds", i), "repeats seed " + std::to_string(out.back()) + ": two runs would be the same run");
      }
    }
    return out;
  }
  const int64_t n = to_integer(seeds, "seeds", 1, kMaxSweepRuns);
  // n seeds: the base config's seed and the n - 1 after it (1, 2, ... when the base has none).
  const uint64_t first = base.contains("seed") && base["seed"].is_number_unsigned() ? base["seed"].get<uint64_t>() : 1;
  std::vector<uint64_t> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(first + static_cast<uint64_t>(i));
  return out;
}

TuningTrials read_trials(const json& value) {
  const ObjectReader r(value, "selection.trials", kTrialsKeys);
  TuningTrials t;
  const json* d = r.find("distribution");
  if (d == nullptr) throw ConfigError("selection.trials.distribution", "is missing: \"poisson\" or \"truncated_negative_binomial\"");
  t.distribution = to_choice(*d, "selection.trials.distribution", kDistributions);
  const json* mean = r.find("mean");
  if (mean == nullptr) throw ConfigError("selection.trials.mean", "is missing: the expected number of trials");
  t.mean = to_number(*mean, "selection.trials.mean", kPositive);
  const json* shape = r.find("shape");
  if (t.distribution == "poisson") {
    if (shape != nullptr) throw ConfigError("selection.trials.shape", "is for the truncated negative binomial only");
    t.shape = std::numeric_limits<double>::infinity();
  } else {
    if (shape == nullptr) throw ConfigError("selection.trials.shape", "is missing: eta > -1 (1: geometric, 0: logarithmic)");
    t.shape = to_number(*shape, "selection.trials.shape", Interval{-1.0, true});
    if (!(t.mean > 1.0)) throw ConfigError("selection.trials.mean", "must be > 1 for the truncated negative binomial (K >= 1 always)");
  }
  if (t.mean > 100.0) throw ConfigError("selection.trials.mean", "must be <= 100 (a sweep runs at most " + std::to_string(kMaxSweepRuns) + " trials)");
  // K is never truncated (that would change the distribution the bound assumes): the chance of
  // drawing more trials than a sweep may run must be negligible.
  if (const double tail = trial_count_tail_bound(t.mean, t.shape, kMaxSweepRuns); !(tail <= kMaxTrialTailProbability)) {
    throw ConfigError("selection.trials.mean", fmt::format("{} is too large for this distribution: P[K > {}] may be {:.3g}, more than {:g} "
                                                           "(a geometric K allows a mean up to about 36)",
                                                           format_number(t.mean), kMaxSweepRuns, tail, kMaxTrialTailProbability));
  }
  const json* seed = r.find("seed");
  if (seed != nullptr) t.seed = to_unsigned(*seed, "selection.trials.seed");  // required unless secure (plan_sweep)
  return t;
}

SweepSelection read_selection(const json& value) {
  const ObjectReader r(value, "selection", kSelectionKeys);
  SweepSelection s;
  if (const json* m = r.find("metric")) {
    s.metric = to_string(*m, "selection.metric");
    if (s.metric.rfind("validation.", 0) != 0 || s.metric.size() == 11) {
      throw ConfigError("selection.metric", "must be a validation metric, e.g. \"validation.accuracy\" or \"validation.loss\" "
                                            "(selecting by test metrics would leak the test set into the choice)");
    }
    // The numbers an epoch's validation object holds for some task (evaluation.cpp's to_json):
    // a misspelt metric is refused now, not after every run has trained.
    const std::string name = s.metric.substr(11);
    if (std::find(std::begin(kValidationMetrics), std::end(kValidationMetrics), name) == std::end(kValidationMetrics)) {
      std::string message = "validation." + name + " is not a validation metric (one of";
      for (const std::string_view m : kValidationMetrics) message += " validation." + std::string(m);
      message += ")";
      if (const auto near = config_detail::nearest(name, kValidationMetrics)) message += "; did you mean 'validation." + std::string(*near) + "'?";
      throw ConfigError("selection.metric", message);
    }
  }
  if (const json* m = r.find("mode")) s.maximize = to_choice(*m, "selection.mode", kModes) == "max";
  if (const json* t = r.find("trials"); t != nullptr && !t->is_null()) s.trials = read_trials(*t);
  return s;
}

SweepSpec read_spec(const json& j, const std::string& file) {
  const ObjectReader r(j, "", kSweepKeys);
  SweepSpec spec;
  spec.file = file;
  const json* name = r.find("name");
  if (name == nullptr) throw ConfigError("name", "is missing: the sweep's name (its folder's default name)");
  spec.name = to_string(*name, "name");
  check_name(spec.name);
  const json* base = r.find("base");
  if (base == nullptr) throw ConfigError("base", "is missing: a config file path or a config object");
  spec.base = read_base(*base, file, spec.base_origin);
  spec.set = json::object();
  if (const json* set = r.find("set")) {
    if (!set->is_object()) throw ConfigError("set", "must be an object {config path: value}, got " + describe(*set));
    for (const auto& [path, v] : set->items()) check_path_syntax(path, join_path("set", path));
    spec.set = *set;
  }
  const json* grid = r.find("grid");
  const json* random = r.find("random");
  if (grid != nullptr && random != nullptr) throw ConfigError("random", "a sweep has a grid or a random sample, not both");
  if (grid != nullptr) spec.axes = read_grid(*grid);
  if (random != nullptr) {
    spec.random = true;
    read_random(*random, spec);
  }
  if (const json* s = r.find("selection")) spec.selection = read_selection(*s);
  if (const json* seeds = r.find("seeds")) {
    if (spec.selection.trials) {
      throw ConfigError("seeds", "must be absent with selection.trials: every trial is a fresh run with its own seed");
    }
    json base_with_set = spec.base;  // the first seed is the one the runs would have: set.seed wins
    if (spec.set.contains("seed")) base_with_set["seed"] = spec.set["seed"];
    spec.seeds = read_seeds(*seeds, base_with_set);
  }
  if (const json* ledger = r.find("ledger")) {
    std::filesystem::path p = to_string(*ledger, "ledger");
    if (p.empty()) throw ConfigError("ledger", "must not be empty");
    // Relative to the sweep file; absolute in the run configs, which live in the sweep folder.
    if (p.is_relative()) p = std::filesystem::absolute(std::filesystem::path(file).parent_path() / p);
    spec.ledger = p.lexically_normal().string();
  }
  if (spec.axes.empty() && spec.seeds.size() <= 1 && !spec.selection.trials) {
    throw ConfigError("grid", "is missing: a sweep needs a grid, a random sample, several seeds or selection.trials");
  }
  return spec;
}

}  // namespace

SweepSpec load_sweep_spec(const std::string& file) {
  const json j = parse_config_json(read_config_file(file), file);
  if (!j.is_object()) throw ConfigError("", file + ": a sweep file must be a JSON object, got " + describe(j));
  try {
    return read_spec(j, file);
  } catch (const ConfigError& e) {
    if (e.path().empty()) throw;
    throw ConfigError(file + ": " + e.path(), e.message());
  }
}

}  // namespace dpt
