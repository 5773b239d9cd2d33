// Resume-time verification of a run folder (see resume_checks.hpp).
#include "experiments/run/resume_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/error.hpp"
#include "datasets/sha256.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/data_description.hpp"
#include "experiments/run/manifest.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& file, const std::string& what) { throw IoError(file + ": " + what); }

template <typename T>
void check_equal(const std::string& file, const nlohmann::json& resolved, const char* key, const T& expected) {
  const T recorded = resolved.at(key).get<T>();
  if (recorded != expected) {
    refuse(file, fmt::format("the run started with resolved.{} = {}, but resuming resolves {} (config.json or the data "
                             "changed since the run started)",
                             key, nlohmann::json(recorded).dump(), nlohmann::json(expected).dump()));
  }
}

// epsilon_history[k] is {"epoch": k, "step": the step that closed epoch k, "epsilon": what the
// run's accountants give for that many steps} (null where that was +inf): recomputed, since the
// report prints it and nothing else vouches for it.
void verify_epsilon_history(const std::string& state_file, const TrainingProgress& p, const Resolved& r,
                            const std::function<double(int64_t)>& epsilon_at) {
  for (int64_t k = 0; k < p.epochs_done; ++k) {
    const nlohmann::json& e = p.epsilon_history[static_cast<size_t>(k)];
    const int64_t step = std::min((k + 1) * r.steps_per_epoch, r.steps);
    const auto whole = [&](const char* key, int64_t expected) {
      return e.is_object() && e.contains(key) && e[key].is_number_integer() && e[key].get<int64_t>() == expected;
    };
    const bool shaped = whole("epoch", k) && whole("step", step) && e.contains("epsilon") &&
                        (e["epsilon"].is_number() || e["epsilon"].is_null()) && e.size() == 3;
    if (!shaped) {
      refuse(state_file, fmt::format("its epsilon_history[{}] is {}, not {{\"epoch\": {}, \"step\": {}, \"epsilon\": ...}}", k,
                                     e.dump(), k, step));
    }
    const double recorded = e["epsilon"].is_null() ? std::numeric_limits<double>::infinity() : e["epsilon"].get<double>();
    const double expected = epsilon_at(step);
    if (!(recorded == expected || (std::isnan(recorded) && std::isnan(expected)))) {
      refuse(state_file, fmt::format("its epsilon_history[{}] says epsilon = {} after {} steps, but the run's accountants give {}",
                                     k, nlohmann::json(recorded).dump(), step, nlohmann::json(expected).dump()));
    }
  }
}

// The step lines of metrics.jsonl before the checkpoint: exactly next_step of them, for steps
// 0 .. next_step-1 in order, each in its epoch, with 0 <= dropped <= batch size <= N (so the sums
// cannot overflow), whose batch sizes and dropped examples add up to the progress counts.
void verify_metrics_sums(const std::string& metrics_file, const std::string& prefix, const TrainingProgress& p,
                         const Resolved& r, bool private_run) {
  int64_t steps = 0, epoch_examples = 0, nonfinite = 0, epoch_nonfinite = 0;
  for (size_t at = 0; at < prefix.size();) {
    const size_t nl = prefix.find('\n', at);
    const size_t end = nl == std::string::npos ? prefix.size() : nl;
    if (prefix.compare(at, 15, "{\"kind\":\"step\",") == 0) {
      const nlohmann::json line = nlohmann::json::parse(prefix.begin() + static_cast<std::ptrdiff_t>(at),
                                                        prefix.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
      const auto count = [&](const char* key) {
        return line.is_object() && line.contains(key) && line[key].is_number_integer() ? line[key].get<int64_t>() : -1;
      };
      const int64_t batch = count("batch_size"), dropped = private_run ? count("nonfinite") : 0;
      if (count("step") != steps || count("epoch") != steps / r.steps_per_epoch || batch < 0 || batch > r.dataset_size ||
          dropped < 0 || dropped > batch) {
        refuse(metrics_file, fmt::format("its step line {} before the checkpoint is damaged: {}", steps + 1,
                                         prefix.substr(at, std::min<size_t>(end - at, 200))));
      }
      if (count("epoch") == p.epochs_done) {
        epoch_examples += batch;
        epoch_nonfinite += dropped;
      }
      nonfinite += dropped;
      ++steps;
    }
    at = end + 1;
  }
  if (steps != p.next_step) {
    refuse(metrics_file, fmt::format("holds {} step lines before the checkpoint, which is at step {}", steps, p.next_step));
  }
  if (epoch_examples != p.epoch_examples || nonfinite != p.nonfinite_examples || epoch_nonfinite != p.epoch_nonfinite) {
    refuse(metrics_file, fmt::format("its step lines add up to {} examples in the current epoch and {} dropped ({} in the "
                                     "epoch), but the checkpoint's state.json says {}, {} and {}",
                                     epoch_examples, nonfinite, epoch_nonfinite, p.epoch_examples, p.nonfinite_examples,
                                     p.epoch_nonfinite));
  }
}

}  // namespace

void verify_data_description(const std::string& file, const std::string& text, const Dataset& data) {
  if (text != data_description_text(data)) {
    throw IoError(file + ": differs from the data description resuming recomputes from config.json and the data (edited, or "
                         "the data files changed since the run started)");
  }
}

std::string verify_manifest(const std::string& manifest_file, const std::string& manifest_text, const Resolved& r,
                            const std::string& run_id) {
  try {
    const nlohmann::json manifest = nlohmann::json::parse(manifest_text);
    if (!manifest.is_object()) refuse(manifest_file, "is not a JSON object (corrupted or replaced)");
    check_manifest_version(manifest_file, manifest, "resume it");
    // The streams of the steps still to run derive from the run key: it must be the one the run
    // started with, recomputed from config.json and the data as they are now.
    if (!manifest.contains("run_id")) {
      refuse(manifest_file, "has no run_id (written by a dptrain before run keys); its remaining steps cannot be drawn "
                            "from the streams it started with — start a new run");
    }
    const std::string recorded = manifest.at("run_id").get<std::string>();
    if (recorded != "sha256:" + run_id) {
      refuse(manifest_file, "the run started with run_id " + recorded + ", but config.json and the data now give sha256:" +
                                run_id + " (changed since the run started; resuming would not continue the same run)");
    }
    const nlohmann::json& resolved = manifest.at("resolved");
    check_equal(manifest_file, resolved, "dataset_size", r.dataset_size);
    check_equal(manifest_file, resolved, "sampling_rate", r.sampling_rate);
    check_equal(manifest_file, resolved, "steps", r.steps);
    check_equal(manifest_file, resolved, "steps_per_epoch", r.steps_per_epoch);
    check_equal(manifest_file, resolved, "delta", r.delta);
    check_equal(manifest_file, resolved, "noise_multiplier", r.noise_multiplier);
    return resolved.at("delta_source").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    refuse(manifest_file, std::string("corrupted manifest (") + e.what() + ")");
  }
}

std::string verify_checkpoint(const std::string& run_dir, const Checkpoint& c, const Resolved& r, bool private_run,
                              const std::string& config_text, const std::string& manifest_text,
                              const std::function<double(int64_t)>& epsilon_at) {
  const std::string config_file = (fs::path(run_dir) / "config.json").string();
  const std::string manifest_file = (fs::path(run_dir) / "manifest.json").string();
  const std::string metrics_file = (fs::path(run_dir) / "metrics.jsonl").string();
  const std::string state_file = "the checkpoint's state.json";
  if (sha256_hex(config_text) != c.config_sha256) {
    refuse(config_file, "differs from the config.json the checkpoint was taken with (edited or replaced since)");
  }
  if (sha256_hex(manifest_text) != c.manifest_sha256) {
    refuse(manifest_file, "differs from the manifest.json the checkpoint was taken with (edited or replaced since)");
  }
  const TrainingProgress& p = c.progress;
  // The epoch that step next_step - 1 closed: epochs end every steps_per_epoch steps and at the last.
  const int64_t epochs = p.next_step == r.steps ? (r.steps + r.steps_per_epoch - 1) / r.steps_per_epoch
                                                : p.next_step / r.steps_per_epoch;
  const bool consistent = p.next_step >= 0 && p.next_step <= r.steps && p.epochs_done == epochs && p.epoch_examples >= 0 &&
                          p.nonfinite_examples >= 0 && p.epoch_nonfinite >= 0 && p.epoch_nonfinite <= p.nonfinite_examples &&
                          p.epsilon_history.is_array() &&
                          static_cast<int64_t>(p.epsilon_history.size()) == (private_run ? p.epochs_done : 0);
  if (!consistent) {
    refuse(state_file, fmt::format("its progress (next_step {}, epochs_done {}, {} epsilon entries) does not fit a run of {} "
                                   "steps, {} per epoch",
                                   p.next_step, p.epochs_done, p.epsilon_history.size(), r.steps, r.steps_per_epoch));
  }
  if (private_run) verify_epsilon_history(state_file, p, r, epsilon_at);
  // The privacy ledger is a function of the mechanism and the step count: it must be exactly
  // that, or the epsilon reported would not be the cost of the steps that ran.
  if (private_run) {
    RdpAccountant expected;
    if (p.next_step > 0) {
      expected.compose(DpEvent::poisson_sampled_gaussian(r.sampling_rate, r.noise_multiplier), p.next_step);
    }
    if (nlohmann::json(expected.to_json()) != c.accountant) {
      refuse(state_file, fmt::format("its accountant does not hold exactly {} steps at q = {:g}, noise_multiplier = {:g}",
                                     p.next_step, r.sampling_rate, r.noise_multiplier));
    }
  } else if (!c.accountant.is_null()) {
    refuse(state_file, "holds an accountant, but the run is not private");
  }
  // metrics.jsonl: its first metrics_bytes bytes are what the checkpoint saw; what follows was
  // written after it and is produced again. Never padded: a shorter file is refused.
  std::error_code ec;
  const uint64_t size = fs::file_size(metrics_file, ec);
  if (ec) refuse(metrics_file, fmt::format("missing or unreadable, but the checkpoint at step {} needs its first {} bytes",
                                            p.next_step, p.metrics_bytes));
  if (size < p.metrics_bytes) {
    refuse(metrics_file, fmt::format("has {} bytes, fewer than the {} the checkpoint at step {} recorded (truncated?)", size,
                                     p.metrics_bytes, p.next_step));
  }
  std::string prefix = read_file(metrics_file);
  prefix.resize(static_cast<size_t>(p.metrics_bytes));
  if (sha256_hex(prefix) != c.metrics_sha256) {
    refuse(metrics_file, fmt::format("its first {} bytes differ from what the checkpoint at step {} recorded (edited?)",
                                     p.metrics_bytes, p.next_step));
  }
  verify_metrics_sums(metrics_file, prefix, p, r, private_run);
  return prefix;
}

}  // namespace dpt
