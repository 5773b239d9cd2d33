// Expanding a sweep into runs (see sweep_plan.hpp).
#include "experiments/sweep/sweep_plan.hpp"

#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "datasets/sha256.hpp"
#include "dp/random/random_streams.hpp"
#include "dp/random/tuning_trials.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/config/config_reader.hpp"
#include "experiments/config/config_schema.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// One step of a path: an object key or an array index.
struct PathStep {
  std::string key;
  int64_t index = -1;  // >= 0: an array index
};

std::vector<PathStep> split_path(const std::string& path, const std::string& where) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      const std::string digits = close == std::string::npos ? "" : path.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos || steps.empty()) {
        throw ConfigError(where, "is not a config path: '[' must follow a key and hold an index, e.g. model.lstm[0].hidden");
      }
      steps.push_back(PathStep{"", std::stoll(digits)});
      i = close + 1;
      continue;
    }
    const std::size_t end = path.find_first_of(".[", i);
    steps.push_back(PathStep{path.substr(i, end == std::string::npos ? std::string::npos : end - i), -1});
    i = end == std::string::npos ? path.size() : end;
  }
  return steps;
}

// The path with every index spelled [i], as config_paths() lists it.
std::string schema_path(const std::vector<PathStep>& steps) {
  std::string out;
  for (const PathStep& s : steps) {
    if (s.index >= 0) {
      out += "[i]";
    } else {
      out += (out.empty() ? "" : ".") + s.key;
    }
  }
  return out;
}

void check_known_path(const std::string& path, const std::vector<PathStep>& steps, const std::string& where) {
  const std::vector<std::string> known = config_paths();
  const std::string spelled = schema_path(steps);
  for (const std::string& k : known) {
    if (k == spelled) return;
  }
  std::vector<std::string_view> candidates(known.begin(), known.end());
  std::string message = "'" + path + "' is not a config path";
  if (const auto near = config_detail::nearest(spelled, candidates)) message += "; did you mean '" + std::string(*near) + "'?";
  throw ConfigError(where, message + " (docs/config.md lists them)");
}

json draw_value(const SweepAxis& axis, BitStream& stream) {
  const double u = stream.uniform();
  switch (axis.kind) {
    case SweepAxis::Kind::kValues: {
      const auto n = static_cast<double>(axis.values.size());
      return axis.values[std::min(axis.values.size() - 1, static_cast<std::size_t>(std::floor(u * n)))];
    }
    case SweepAxis::Kind::kUniform:
      return axis.lo + (axis.hi - axis.lo) * u;
    case SweepAxis::Kind::kLogUniform:
      return std::exp(std::log(axis.lo) + (std::log(axis.hi) - std::log(axis.lo)) * u);
    case SweepAxis::Kind::kIntUniform:
      return static_cast<int64_t>(axis.lo + std::floor(u * (axis.hi - axis.lo + 1.0)));
  }
  return nullptr;
}

// The points of the search space, without seeds: {path: value} per point.
std::vector<ordered_json> search_space(const SweepSpec& spec) {
  std::vector<ordered_json> points;
  if (spec.random) {
    const auto stream = ReproducibleRandomness(spec.random_seed).stream(StreamPurpose::kSweep, 0);
    for (int64_t s = 0; s < spec.samples; ++s) {
      ordered_json p = ordered_json::object();
      for (const SweepAxis& axis : spec.axes) p[axis.path] = draw_value(axis, *stream);
      points.push_back(std::move(p));
    }
    return points;
  }
  int64_t total = 1;
  for (const SweepAxis& axis : spec.axes) {
    total *= static_cast<int64_t>(axis.values.size());
    if (total > kMaxSweepRuns) {
      throw ConfigError("grid", fmt::format("has more than {} points; a sweep plans at most {} runs", kMaxSweepRuns, kMaxSweepRuns));
    }
  }
  for (int64_t k = 0; k < total; ++k) {  // mixed radix, the last axis fastest
    ordered_json p = ordered_json::object();
    int64_t rest = k;
    std::vector<std::size_t> digit(spec.axes.size());
    for (std::size_t a = spec.axes.size(); a-- > 0;) {
      const auto n = static_cast<int64_t>(spec.axes[a].values.size());
      digit[a] = static_cast<std::size_t>(rest % n);
      rest /= n;
    }
    for (std::size_t a = 0; a < spec.axes.size(); ++a) p[spec.axes[a].path] = spec.axes[a].values[digit[a]];
    points.push_back(std::move(p));
  }
  return points;
}

// A warm start's weights pinned by content: model.init_sha256 set from the file's bytes, so a
// point's config (kept in sweep.json and configs/) says which weights its run starts from, and a
// rerun after the file changed is refused rather than reusing runs trained from other weights
// beside new ones. A point that pins the weights itself (in the base, `set` or an axis) is
// checked here, before anything runs: a pin the file does not match refuses the sweep naming
// the point. One hash per distinct path.
void pin_warm_start(const SweepSpec& spec, SweepPoint& point, std::map<std::string, std::string>& sha_of_path) {
  json& config = point.config;
  if (!config.contains("model") || !config["model"].is_object()) return;
  json& model = config["model"];
  if (!model.contains("init_from") || !model["init_from"].is_string()) return;
  const std::string path = model["init_from"].get<std::string>();
  const std::string where = fmt::format("{}: {} ({})", spec.file, point.id, describe_axes(point.axes));
  auto it = sha_of_path.find(path);
  if (it == sha_of_path.end()) {
    std::string bytes;
    try {
      bytes = read_file(path);
    } catch (const IoError& e) {
      throw ConfigError("", fmt::format("{}: model.init_from: {}", where, e.what()));
    }
    it = sha_of_path.emplace(path, sha256_hex(bytes)).first;
  }
  if (model.contains("init_sha256") && !model["init_sha256"].is_null()) {
    if (model["init_sha256"] != it->second) {
      throw ConfigError("", fmt::format("{}: model.init_sha256: {} has sha256 {}, not the {} the point pins (the file changed, or "
                                        "the pin was meant for another model.init_from)",
                                        where, path, it->second, model["init_sha256"].dump()));
    }
    return;
  }
  model["init_sha256"] = it->second;
}

// sha_of_path: the warm-start hashes of this plan's points so far.
SweepPoint make_point(const SweepSpec& spec, int64_t index, const ordered_json& axes, const json& base_with_set,
                      std::map<std::string, std::string>& sha_of_path) {
  SweepPoint point;
  point.index = index;
  point.id = fmt::format("run-{:03d}", index);
  point.axes = axes;
  point.config = base_with_set;
  point.config["name"] = spec.name + "-" + point.id;
  for (const auto& [path, value] : axes.items()) set_config_path(point.config, path, value, "grid." + path);
  pin_warm_start(spec, point, sha_of_path);
  return point;
}

void validate(const SweepSpec& spec, const SweepPoint& point) {
  try {
    (void)parse_config(point.config);
  } catch (const ConfigError& e) {
    throw ConfigError("", fmt::format("{}: {} ({}): {}", spec.file, point.id, describe_axes(point.axes), e.what()));
  }
}

const json* privacy_field(const json& config, const char* key) {
  if (!config.contains("privacy") || !config["privacy"].is_object()) return nullptr;
  const auto it = config["privacy"].find(key);
  return it == config["privacy"].end() ? nullptr : &*it;
}

// What must be one and the same for every run, however the axes spell it (a path, or a parent
// object such as "privacy"): the ledger, which the sweep previews before its first run; and in
// a tuning sweep secure mode, which says where K was drawn.
void check_uniform(const SweepSpec& spec, const SweepPlan& plan, const json& base) {
  std::vector<const json*> configs;
  for (const SweepPoint& p : plan.points) configs.push_back(&p.config);
  for (const json& c : plan.space_configs) configs.push_back(&c);
  const json* base_secure = privacy_field(base, "secure_mode");
  // Two points equal but for their name would be the same run twice (one run key); in secure mode
  // two trials of one point are two runs (fresh OS randomness each).
  std::set<std::string> seen;
  for (const SweepPoint& p : plan.trials_from_os ? std::vector<SweepPoint>{} : plan.points) {
    json c = p.config;
    c.erase("name");
    if (!seen.insert(c.dump()).second) {
      throw ConfigError("", spec.file + ": " + p.id + " (" + describe_axes(p.axes) + ") is the same run as an earlier point: "
                                        "an axis repeats a value, or varies only what the run does not depend on");
    }
  }
  const auto data_split = [](const json& c) {
    const json data = c.contains("data") && c["data"].is_object() ? c["data"] : json::object();
    return json{data.value("split_seed", json()), data.value("splits", json())};
  };
  for (const json* c : configs) {
    if (data_split(*c) != data_split(base)) {
      throw ConfigError("", spec.file + ": data.split_seed / data.splits: must be the same for every run (one split: no "
                                        "example may train one run and validate another)");
    }
  }
  for (const json* c : configs) {
    const json* ledger = privacy_field(*c, "ledger");
    const bool same = spec.ledger ? ledger != nullptr && *ledger == json(*spec.ledger) : ledger == nullptr || ledger->is_null();
    if (!same) {
      throw ConfigError("", spec.file + ": privacy.ledger: a sweep charges one ledger, previewed before its first run: name it "
                                        "with the sweep's \"ledger\" key (not in the base config, set, grid or random)");
    }
    if (spec.selection.trials) {
      const json* secure = privacy_field(*c, "secure_mode");
      if ((secure == nullptr) != (base_secure == nullptr) || (secure != nullptr && *secure != *base_secure)) {
        throw ConfigError("", spec.file + ": privacy.secure_mode: must be the same for every trial of selection.trials (K is "
                                          "drawn once, from the OS in secure mode or from selection.trials.seed otherwise)");
      }
    }
  }
}

bool is_secure(const json& config) {
  return config.contains("privacy") && config["privacy"].is_object() && config["privacy"].value("secure_mode", false) == true;
}

// plan_sweep without the file name on errors.
SweepPlan plan_points(const SweepSpec& spec) {
  json base = spec.base;
  for (const auto& [path, value] : spec.set.items()) set_config_path(base, path, value, "set." + path);
  if (spec.ledger) set_config_path(base, "privacy.ledger", *spec.ledger, "ledger");
  // One split for every run: otherwise an example trains run A and validates run B, and B's
  // validation score (outside DP) picks the released model. Predefined splits are one split.
  const bool predefined = base.contains("data") && base["data"].is_object() && base["data"].contains("splits") &&
                          !base["data"]["splits"].is_null();
  const bool fixed = base.contains("data") && base["data"].is_object() && base["data"].contains("split_seed") &&
                     !base["data"]["split_seed"].is_null();
  if (!predefined && !fixed) set_config_path(base, "data.split_seed", kSweepSplitSeed, "data.split_seed");
  const std::vector<ordered_json> space = spec.axes.empty() ? std::vector<ordered_json>{ordered_json::object()} : search_space(spec);
  SweepPlan plan;
  plan.search_space = static_cast<int64_t>(space.size());
  std::map<std::string, std::string> sha_of_path;  // warm-start weights: path -> sha256
  if (spec.selection.trials) {
    const TuningTrials& t = spec.selection.trials.value();
    const bool secure = is_secure(base);
    for (const SweepAxis& axis : spec.axes) {
      if (axis.path == "privacy.secure_mode") {
        throw ConfigError("", spec.file + ": privacy.secure_mode: cannot be an axis with selection.trials (K is drawn once, "
                                          "from the OS in secure mode or from selection.trials.seed otherwise)");
      }
    }
    // Papernot & Steinke's bound needs K drawn at random, not chosen: in secure mode nobody can
    // pick it (the OS draws it when the sweep starts); in reproducible mode the seed fixes it, as
    // a run's seed fixes its noise (docs/sweep.md).
    if (secure && t.seed) {
      throw ConfigError("selection.trials.seed", "must be absent in secure mode: K and the trial points are drawn from the OS");
    }
    if (!secure && !t.seed) {
      throw ConfigError("selection.trials.seed", "is missing: the seed that draws the number of trials and their points "
                                                 "(or privacy.secure_mode: true, to draw them from the OS)");
    }
    const std::unique_ptr<BitStream> stream =
        secure ? SecureRandomness().stream(StreamPurpose::kSweep, 1) : ReproducibleRandomness(*t.seed).stream(StreamPurpose::kSweep, 1);
    plan.trials = draw_trial_count(t.mean, t.shape, *stream, kMaxSweepRuns);
    plan.trials_from_os = secure;
    for (std::size_t i = 0; i < space.size(); ++i) {
      const SweepPoint p = make_point(spec, static_cast<int64_t>(i), space[i], base, sha_of_path);
      validate(spec, p);
      plan.space_configs.push_back(p.config);
    }
    const uint64_t first_seed = base.contains("seed") && base["seed"].is_number_unsigned() ? base["seed"].get<uint64_t>() : 1;
    for (int64_t k = 0; k < plan.trials; ++k) {
      const auto pick = std::min(space.size() - 1, static_cast<std::size_t>(std::floor(stream->uniform() * static_cast<double>(space.size()))));
      ordered_json axes = space[pick];
      if (!secure) axes["seed"] = first_seed + static_cast<uint64_t>(k);  // secure mode: fresh OS randomness per run
      plan.points.push_back(make_point(spec, k, axes, base, sha_of_path));
    }
  } else {
    if (static_cast<int64_t>(space.size() * std::max<std::size_t>(1, spec.seeds.size())) > kMaxSweepRuns) {
      throw ConfigError("", fmt::format("{}: plans {} runs; a sweep plans at most {}", spec.file,
                                        space.size() * spec.seeds.size(), kMaxSweepRuns));
    }
    for (const ordered_json& p : space) {
      if (spec.seeds.empty()) {
        plan.points.push_back(make_point(spec, static_cast<int64_t>(plan.points.size()), p, base, sha_of_path));
        continue;
      }
      for (const uint64_t seed : spec.seeds) {
        ordered_json axes = p;
        axes["seed"] = seed;
        plan.points.push_back(make_point(spec, static_cast<int64_t>(plan.points.size()), axes, base, sha_of_path));
      }
    }
  }
  for (const SweepPoint& point : plan.points) validate(spec, point);
  check_uniform(spec, plan, base);
  return plan;
}

}  // namespace

std::vector<std::string> config_paths() {
  std::vector<std::string> paths;
  for (const config_schema::Section& section : config_schema::kSections) {
    for (const std::string_view key : section.keys) {
      paths.push_back(section.path.empty() ? std::string(key) : std::string(section.path) + "." + std::string(key));
    }
  }
  return paths;
}

void set_config_path(json& config, const std::string& path, const json& value, const std::string& where) {
  const std::vector<PathStep> steps = split_path(path, where);
  check_known_path(path, steps, where);
  json* at = &config;
  std::string walked;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PathStep& s = steps[i];
    const bool last = i + 1 == steps.size();
    if (s.index >= 0) {
      if (!at->is_array() || s.index >= static_cast<int64_t>(at->size())) {
        throw ConfigError(where, fmt::format("{} has no element [{}] in the base config (it has {})", walked,
                                             s.index, at->is_array() ? std::to_string(at->size()) : std::string("no array")));
      }
      at = &(*at)[static_cast<std::size_t>(s.index)];
      walked += "[" + std::to_string(s.index) + "]";
    } else {
      if (!at->is_object()) throw ConfigError(where, walked + " is not an object in the base config");
      if (!last && !at->contains(s.key)) (*at)[s.key] = json::object();
      at = &(*at)[s.key];
      walked += (walked.empty() ? "" : ".") + s.key;
    }
    if (last) *at = value;
  }
}

std::string describe_axes(const ordered_json& axes) {
  std::string out;
  for (const auto& [path, value] : axes.items()) out += (out.empty() ? "" : ", ") + path + "=" + value.dump();
  return out.empty() ? "the base config" : out;
}

SweepPlan plan_sweep(const SweepSpec& spec) {
  try {
    return plan_points(spec);
  } catch (const ConfigError& e) {
    if (e.path().empty()) throw;
    throw ConfigError(spec.file + ": " + e.path(), e.message());
  }
}

}  // namespace dpt
