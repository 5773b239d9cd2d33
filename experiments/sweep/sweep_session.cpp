// The sweep command's steps (see sweep_session.hpp).
#include "experiments/sweep/sweep_session.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "base/number_format.hpp"
#include "core/error.hpp"
#include "core/io/regular_file.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/ledger/budget_ledger.hpp"
#include "experiments/ledger/ledger_error.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/sweep/sweep_plan.hpp"
#include "experiments/sweep/sweep_plots.hpp"
#include "experiments/sweep/sweep_privacy.hpp"
#include "experiments/sweep/sweep_runner.hpp"
#include "experiments/sweep/sweep_summary.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

// The config without what does not change its mechanism (the name; the seed, unless the data is
// generated from it and so are its content and content hash): one resolution per distinct rest.
std::string mechanism_key(json config) {
  config.erase("name");
  const bool generated = config.contains("data") && config["data"].is_object() && config["data"].value("source", json()) == json("generated");
  if (!generated) config.erase("seed");
  return config.dump();
}

using MechanismCache = std::map<std::string, RunMechanism>;

// Resolves the DP mechanism of each config (data read, sigma calibrated), naming the point that
// fails; `cache` is shared by the search space and the trials drawn from it.
std::vector<RunMechanism> resolve_mechanisms(const SweepSpec& spec, const std::vector<std::pair<std::string, json>>& configs,
                                             MechanismCache& cache) {
  std::vector<RunMechanism> out;
  for (const auto& [label, config] : configs) {
    const std::string key = mechanism_key(config);
    auto it = cache.find(key);
    if (it == cache.end()) {
      try {
        it = cache.emplace(key, planned_mechanism(config)).first;
      } catch (const ConfigError& e) {
        throw ConfigError("", fmt::format("{}: {}: {}", spec.file, label, e.what()));
      } catch (const DatasetError& e) {
        throw DatasetError(fmt::format("{}: {}: {}", spec.file, label, e.what()));
      }
    }
    out.push_back(it->second);
  }
  return out;
}

ordered_json plan_json(const SweepSpec& spec, const SweepPlan& plan) {
  ordered_json j;
  j["format"] = "dptrain-sweep/1";
  j["name"] = spec.name;
  j["sweep_file"] = spec.file;
  j["base"] = spec.base_origin;
  j["selection"] = {{"metric", spec.selection.metric}, {"mode", spec.selection.maximize ? "max" : "min"}};
  j["search_space"] = plan.search_space;
  if (spec.selection.trials) {
    // What K and the points were drawn under: a rerun with another distribution or another search
    // space must not reuse them (the bound assumes K ~ this distribution, points uniform on this space).
    const TuningTrials& t = *spec.selection.trials;
    j["trials"] = {{"distribution", t.distribution}, {"mean", t.mean}, {"shape", std::isfinite(t.shape) ? json(t.shape) : json("inf")},
                   {"seed", t.seed ? json(*t.seed) : json(nullptr)}};
    std::string space;
    for (const json& c : plan.space_configs) space += c.dump() + "\n";
    j["search_space_sha256"] = sha256_hex(space);
  }
  j["trials_drawn"] = plan.trials >= 0 ? json(plan.trials) : json(nullptr);
  j["points"] = ordered_json::array();
  for (const SweepPoint& p : plan.points) j["points"].push_back({{"id", p.id}, {"axes", p.axes}, {"config", p.config}});
  return j;
}

// Holds an exclusive lock on <dir>/.sweep.lock for the life of the object: one sweep per folder.
class FolderLock {
 public:
  explicit FolderLock(const std::string& dir) {
    const std::string file = dir + "/.sweep.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(file + ": cannot open: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw ConfigError("--out", dir + ": another dptrain sweep is running in this folder");
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

// Creates the folder, or checks that the plan it holds is this one (a resumed sweep).
void lay_out(const std::string& dir, const ordered_json& plan) {
  const std::string file = dir + "/sweep.json";
  if (fs::exists(file)) {
    const FileRead r = read_regular_file(file, 64 << 20);
    const json stored = r.failure == FileReadFailure::kNone ? json::parse(r.bytes, nullptr, false) : json();
    if (!stored.is_object() || !stored.contains("points")) throw IoError(file + ": damaged (not a sweep plan); remove the folder or use another --out");
    if (stored["points"] != json(plan["points"]) || stored.value("trials", json()) != json(plan.value("trials", ordered_json())) ||
        stored.value("search_space_sha256", json()) != json(plan.value("search_space_sha256", ordered_json()))) {
      throw ConfigError("--out", dir + " holds another sweep's runs (its sweep.json plans other runs); use another --out");
    }
  } else {
    // Runs without their plan: which point each one trained is unknown, so none can be reused.
    for (const char* sub : {"configs", "runs"}) {
      std::error_code ec;
      if (fs::is_directory(fs::path(dir) / sub) && !fs::is_empty(fs::path(dir) / sub, ec)) {
        throw IoError(file + ": missing, but " + dir + "/" + sub + " holds runs; remove the folder or use another --out");
      }
    }
  }
  for (const char* sub : {"configs", "runs", "logs"}) fs::create_directories(fs::path(dir) / sub);
}

// A sweep with a ledger: every run is charged when it starts (dptrain run), but a sweep the
// ledger cannot pay for in full is refused before its first run, so that a budget is not spent on
// half a sweep. Previewed against the ledger, composed: the runs not started yet (no
// manifest.json: a started run was charged before its first step) and, in secure mode, the
// started runs not finished (a secure resume is charged again: docs/ledger.md; counted at their
// whole plan, more than the steps they have left). Another process may still charge the ledger in
// between; then the runs that do not fit are refused one by one.
void preview_ledger(const SweepSpec& spec, const SweepPlan& plan, const std::vector<RunMechanism>& planned,
                    const std::string& dir) {
  std::vector<DpEvent> events;
  for (std::size_t i = 0; i < plan.points.size(); ++i) {
    const fs::path run = fs::path(dir) / "runs" / plan.points[i].id;
    if (fs::exists(run / "manifest.json") && (!planned[i].secure || run_is_complete(run.string()))) continue;
    events.push_back(event_of(planned[i]));
  }
  if (events.empty()) return;
  const std::size_t runs = events.size();
  // One dataset: a ledger is for one (runs on generated data of different seeds read different data).
  const std::string& data_hash = planned.front().data_hash;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    if (planned[i].data_hash != data_hash) {
      throw ConfigError("ledger", fmt::format("{} reads other data than {} ({} vs {}): a ledger is for one dataset",
                                              plan.points[i].id, plan.points.front().id, planned[i].data_hash, data_hash));
    }
  }
  const LedgerCharge c = would_fit(*spec.ledger, "sweep " + spec.name + " (preview)", DpEvent::composed(std::move(events)), data_hash);
  if (c.outcome == ChargeOutcome::kRefused) {
    throw LedgerRefused(fmt::format(
        "sweep {}: ledger {} cannot pay for the {} runs still to train, so none is started: together they need epsilon = {} "
        "(RDP at the ledger's orders, classic conversion), but at no order do they fit what is left — budget epsilon = {}, "
        "spent epsilon = {} in {} charges, remaining epsilon = {}. Nothing was charged",
        spec.name, *spec.ledger, runs, format_number(c.run_epsilon), format_number(c.budget_epsilon),
        format_number(c.before.spent_epsilon), c.before.charges, format_number(c.before.remaining_epsilon)));
  }
}

// A secure tuning sweep draws K and its trial points from the OS (plan_sweep): a resumed one takes
// them from the sweep.json it wrote, each stored point checked to be a point of the search space,
// so that rerunning the sweep never draws again (re-drawing until K suits would choose K).
void restore_secure_trials(const SweepSpec& spec, const std::string& dir, SweepPlan& plan) {
  const std::string file = dir + "/sweep.json";
  if (!fs::exists(file)) return;
  const auto damaged = [&](const std::string& why) {
    return IoError(file + ": " + why + "; remove the folder or use another --out");
  };
  const FileRead r = read_regular_file(file, 64 << 20);
  const json stored = r.failure == FileReadFailure::kNone ? json::parse(r.bytes, nullptr, false) : json();
  if (!stored.is_object() || !stored.contains("points") || !stored["points"].is_array()) throw damaged("damaged (not a sweep plan)");
  const ordered_json expected = plan_json(spec, plan);
  for (const char* key : {"trials", "search_space_sha256", "search_space"}) {
    if (stored.value(key, json()) != json(expected.value(key, ordered_json()))) {
      throw ConfigError("--out", dir + " holds a tuning sweep drawn under other trials or another search space (sweep.json: " +
                                     key + "); use another --out");
    }
  }
  std::set<std::string> space;
  for (json c : plan.space_configs) {
    c.erase("name");
    space.insert(c.dump());
  }
  std::vector<SweepPoint> points;
  for (const json& sp : stored["points"]) {
    const std::string id = fmt::format("run-{:03d}", points.size());
    if (!sp.is_object() || sp.value("id", json()) != json(id) || !sp.contains("axes") || !sp["axes"].is_object() ||
        !sp.contains("config") || !sp["config"].is_object() || sp["config"].value("name", json()) != json(spec.name + "-" + id)) {
      throw damaged("point " + id + " is damaged");
    }
    json config = sp["config"];
    config.erase("name");
    if (space.count(config.dump()) == 0) throw damaged(id + "'s config is not a point of this sweep's search space");
    SweepPoint p;
    p.index = static_cast<int64_t>(points.size());
    p.id = id;
    p.axes = sp["axes"];
    p.config = sp["config"];
    points.push_back(std::move(p));
  }
  if (stored.value("trials_drawn", json()) != json(points.size())) throw damaged("trials_drawn does not match its points");
  plan.points = std::move(points);
  plan.trials = static_cast<int64_t>(plan.points.size());
}

}  // namespace

namespace {

// The runs of this job's ranks (SweepOptions::communicator): rank 0 deals out the points not yet
// complete in plan order, one rank after the other (complete ones stay with rank 0, which only
// reads them), sends the deal, runs its share, and gathers every rank's outcomes.
struct RankDeal {
  std::string dir;
  std::vector<SweepPoint> points;  // this rank's
};

RankDeal receive_deal(const Communicator& comm, const std::string& deal_text) {
  const json deal = json::parse(broadcast_string(comm, deal_text));
  RankDeal mine;
  if (deal.is_null()) return mine;
  mine.dir = deal.at("dir").get<std::string>();
  for (const json& p : deal.at("points")) {
    if (p.at("rank").get<int>() != comm.rank()) continue;
    SweepPoint point;
    point.index = p.at("index").get<int64_t>();
    point.id = p.at("id").get<std::string>();
    point.axes = p.at("axes");
    mine.points.push_back(std::move(point));
  }
  return mine;
}

std::string deal_points(const Communicator& comm, const std::string& dir, const SweepPlan& plan) {
  json points = json::array();
  int next = 0;
  for (const SweepPoint& p : plan.points) {
    const bool complete = run_is_complete(run_dir_of(dir, p));
    const int rank = complete ? 0 : next++ % comm.size();
    points.push_back({{"index", p.index}, {"id", p.id}, {"axes", p.axes}, {"rank", rank}});
  }
  return json{{"dir", dir}, {"points", points}}.dump();
}

json outcomes_json(const std::vector<RunOutcome>& outcomes) {
  json out = json::array();
  for (const RunOutcome& o : outcomes) {
    out.push_back({{"id", o.id}, {"exit_code", o.exit_code}, {"complete", o.complete}, {"reused", o.reused},
                   {"wall_seconds", o.wall_seconds ? json(*o.wall_seconds) : json(nullptr)}, {"log", o.log}});
  }
  return out;
}

// Every rank's outcomes, in plan order (rank 0 only; the others get an empty vector).
std::vector<RunOutcome> gather_outcomes(const Communicator& comm, const SweepPlan& plan, const std::vector<RunOutcome>& mine) {
  const std::vector<std::string> all = comm.all_gather(outcomes_json(mine).dump());
  std::map<std::string, RunOutcome> by_id;
  for (const std::string& text : all) {
    for (const json& o : json::parse(text)) {
      RunOutcome r;
      r.id = o.at("id").get<std::string>();
      r.exit_code = o.at("exit_code").get<int>();
      r.complete = o.at("complete").get<bool>();
      r.reused = o.at("reused").get<bool>();
      if (!o.at("wall_seconds").is_null()) r.wall_seconds = o.at("wall_seconds").get<double>();
      r.log = o.at("log").get<std::string>();
      by_id[r.id] = std::move(r);
    }
  }
  std::vector<RunOutcome> out;
  for (const SweepPoint& p : plan.points) {
    const auto it = by_id.find(p.id);
    if (it == by_id.end()) throw std::logic_error("sweep: no rank ran " + p.id);
    out.push_back(it->second);
  }
  return out;
}

// Threads of this rank's runs: its share of the host's cores unless --threads says otherwise.
int rank_threads(const SweepOptions& options) {
  if (options.threads > 0 || options.communicator == nullptr) return options.threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local_ranks());
}

int run_sweep_share(const Communicator& comm, const SweepOptions& options) {
  RankDeal mine = receive_deal(comm, "");
  if (mine.dir.empty()) return 0;  // --plan, or rank 0 stopped before dealing
  SweepPlan plan;
  plan.points = std::move(mine.points);
  const std::vector<RunOutcome> outcomes = run_sweep_points(plan, SweepRunOptions{mine.dir, options.jobs, rank_threads(options)});
  (void)comm.all_gather(outcomes_json(outcomes).dump());
  return 0;
}

}  // namespace

int run_sweep(const std::string& file, const SweepOptions& options) {
  const Communicator* comm = options.communicator != nullptr && options.communicator->size() > 1 ? options.communicator : nullptr;
  if (comm != nullptr && !comm->is_root()) return run_sweep_share(*comm, options);
  const SweepSpec spec = load_sweep_spec(file);
  SweepPlan plan = plan_sweep(spec);
  const std::string dir = options.out.empty() ? "sweeps/" + spec.name : options.out;
  if (plan.trials_from_os && !options.plan_only) restore_secure_trials(spec, dir, plan);
  // Every mechanism before anything runs: the runs', and for a tuning bound the whole search space's.
  std::vector<std::pair<std::string, json>> configs;
  for (const SweepPoint& p : plan.points) configs.emplace_back(p.id + " (" + describe_axes(p.axes) + ")", p.config);
  std::vector<RunMechanism> space;
  MechanismCache cache;
  if (spec.selection.trials) {
    std::vector<std::pair<std::string, json>> space_configs;
    for (std::size_t i = 0; i < plan.space_configs.size(); ++i) {
      space_configs.emplace_back(fmt::format("search-space point {}", i), plan.space_configs[i]);
    }
    space = resolve_mechanisms(spec, space_configs, cache);
  }
  const std::vector<RunMechanism> planned = resolve_mechanisms(spec, configs, cache);
  if (!spec.selection.trials) space = planned;
  const ordered_json plan_doc = plan_json(spec, plan);
  if (!(plan.trials_from_os && options.plan_only)) {
    fmt::print(stderr, "sweep {}: {} runs planned{}\n", spec.name, plan.points.size(),
               plan.trials >= 0 ? fmt::format(" (K = {} trials drawn from a search space of {})", plan.trials, plan.search_space) : "");
  }
  if (options.plan_only) {
    ordered_json shown = plan_doc;
    if (plan.trials_from_os) {  // a K shown before the sweep starts could be declined: it is drawn anew at the start
      shown["trials_drawn"] = "drawn from the OS when the sweep starts (secure mode)";
      shown["points"] = ordered_json::array();
    }
    fmt::print("{}\n", shown.dump(2));
    if (comm != nullptr) (void)broadcast_string(*comm, "null");  // the other ranks run nothing
    return 0;
  }
  // Reproducible plans are the same at every attempt: a refused sweep writes nothing. A secure
  // tuning sweep's K and points are kept before the preview, so a refused sweep keeps its draw
  // (retrying until the budget fits would choose K).
  std::optional<FolderLock> lock;
  const auto lay_out_folder = [&] {
    fs::create_directories(dir);
    lock.emplace(dir);
    lay_out(dir, plan_doc);
    write_file_atomic(dir + "/sweep.json", plan_doc.dump(2) + "\n");
    for (const SweepPoint& p : plan.points) {  // a reused run must have trained this very point
      const std::string config = dir + "/configs/" + p.id + ".json";
      if (!fs::exists(config)) {
        write_file_atomic(config, p.config.dump(2) + "\n");
        continue;
      }
      const FileRead r = read_regular_file(config, 64 << 20);
      const json stored = r.failure == FileReadFailure::kNone ? json::parse(r.bytes, nullptr, false) : json();
      if (stored != p.config) throw IoError(config + ": not " + p.id + "'s config in sweep.json; remove the folder or use another --out");
    }
  };
  if (plan.trials_from_os) lay_out_folder();
  if (spec.ledger) preview_ledger(spec, plan, planned, dir);
  if (!lock) lay_out_folder();
  std::vector<RunOutcome> outcomes;
  if (comm == nullptr) {
    outcomes = run_sweep_points(plan, SweepRunOptions{dir, options.jobs, options.threads});
  } else {
    RankDeal mine = receive_deal(*comm, deal_points(*comm, dir, plan));
    SweepPlan share;
    share.points = std::move(mine.points);
    fmt::print(stderr, "sweep {}: {} ranks; rank 0 runs {} of the {} runs\n", spec.name, comm->size(), share.points.size(),
               plan.points.size());
    outcomes = gather_outcomes(*comm, plan, run_sweep_points(share, SweepRunOptions{dir, options.jobs, rank_threads(options)}));
  }
  const SweepResult result = summarise_sweep(spec, plan, dir, outcomes, planned, space);
  const std::string md = write_sweep_summary(spec, plan, result, dir);
  write_file_atomic(dir + "/frontier.svg", sweep_frontier_svg(spec, result));
  fmt::print("{}\nsweep folder: {}\n", md, dir);
  int failed = 0;
  for (const RunOutcome& o : outcomes) failed += o.complete ? 0 : 1;
  if (failed > 0) {
    fmt::print(stderr, "dptrain: error: {} of {} runs did not finish (see summary.md and logs/); run the sweep again to resume them\n",
               failed, outcomes.size());
    return 1;
  }
  return 0;
}

}  // namespace dpt
