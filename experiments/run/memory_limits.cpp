// From a config and its data to the memory estimate's inputs, the memory the process may
// use (/proc, cgroups, ulimit) and the refusal naming the field that drives the size (see
// memory_estimate.hpp; the model itself is memory_estimate.cpp).
#include "experiments/run/memory_estimate.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <thread>

#include "experiments/config/config_error.hpp"

namespace dpt {
namespace {

constexpr double kKiB = 1024.0;
// A Poisson batch of expected size B exceeds B + 4 sqrt(B) with probability ~3e-5 (normal
// approximation of the binomial); one that does costs a few percent more, not an order.
constexpr double kPoissonStddevs = 4.0;

double poisson_batch_bound(double expected) { return std::ceil(expected + kPoissonStddevs * std::sqrt(expected)); }

int optimizer_moments(const OptimizerConfig& o) {
  switch (o.kind) {
    case OptimizerKind::kSgd: return o.momentum > 0 ? 1 : 0;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return 2;
  }
  return 2;  // (every kind is handled above)
}

// The model and training sizes, common to both stages.
MemoryInputs config_inputs(const ExperimentConfig& c) {
  MemoryInputs in;
  in.embedding_dim = c.model.embedding_dim;
  for (const RecurrentLayerConfig& l : c.model.recurrent) {
    in.hidden.push_back(l.hidden);
    in.gates.push_back(l.cell == RecurrentCell::kGru ? 3 : 4);
    in.directions.push_back(l.bidirectional ? 2 : 1);
  }
  for (const int d : c.model.dense) in.dense.push_back(d);
  in.per_step_outputs = !c.model.recurrent.empty() && c.model.recurrent.back().return_sequences;
  in.optimizer_moments = optimizer_moments(c.training.optimizer);
  in.private_training = c.privacy.enabled;
  in.physical_batch = poisson_batch_bound(c.training.batch_size);
  if (c.training.max_physical_batch_size > 0) {
    in.physical_batch = std::min(in.physical_batch, static_cast<double>(c.training.max_physical_batch_size));
  }
  in.eval_batch = c.eval.batch_size;
  in.threads = std::max(1u, std::thread::hardware_concurrency());
  return in;
}

// A batch never holds more examples than there are: a training batch than the training split,
// an evaluation batch than the validation or test split it evaluates.
void cap_batches(MemoryInputs& in, double train, double evaluated) {
  in.physical_batch = std::min(in.physical_batch, train);
  in.eval_batch = std::min(in.eval_batch, evaluated);
}

// The config field that sets the sequence length of this source.
const char* length_field(const DataConfig& d) {
  if (d.source == DataSourceKind::kCsv || d.source == DataSourceKind::kBirths) return "data.window";
  if (d.source == DataSourceKind::kText || d.source == DataSourceKind::kMobyDick) return "data.chunk_length";
  return "data.max_length";  // generated; jsonl, names, spam truncate to it
}

// A size the estimate grows with, and how to shrink it to 1 (to see how much it drives).
struct SizeField {
  std::string path;
  std::string value;
  std::function<void(MemoryInputs&)> shrink;
  std::string hint;
};

std::vector<SizeField> size_fields(const ExperimentConfig& c, const MemoryInputs& in) {
  std::vector<SizeField> f;
  if (in.vocab_size > 0) {
    f.push_back({"model.embedding_dim", fmt::format("{}", c.model.embedding_dim), [](MemoryInputs& m) { m.embedding_dim = 1; }, ""});
  }
  for (size_t k = 0; k < in.hidden.size() && k < c.model.recurrent.size(); ++k) {
    f.push_back({fmt::format("model.{}[{}].hidden", c.model.recurrent_key, k), fmt::format("{}", c.model.recurrent[k].hidden),
                 [k](MemoryInputs& m) { m.hidden[k] = 1; }, ""});
  }
  for (size_t k = 0; k < in.dense.size() && k < c.model.dense.size(); ++k) {
    f.push_back({fmt::format("model.dense[{}]", k), fmt::format("{}", c.model.dense[k]), [k](MemoryInputs& m) { m.dense[k] = 1; }, ""});
  }
  const int cap = c.training.max_physical_batch_size;
  if (cap > 0 && cap < poisson_batch_bound(c.training.batch_size)) {
    f.push_back({"training.max_physical_batch_size", fmt::format("{}", cap), [](MemoryInputs& m) { m.physical_batch = 1; }, ""});
  } else {
    f.push_back({"training.batch_size", fmt::format("{} (Poisson batches up to ~{:.0f})", c.training.batch_size, in.physical_batch),
                 [](MemoryInputs& m) { m.physical_batch = 1; },
                 cap > 0 ? "" : "; training.max_physical_batch_size bounds the examples processed at once"});
  }
  f.push_back({"eval.batch_size", fmt::format("{}", c.eval.batch_size), [](MemoryInputs& m) { m.eval_batch = 1; }, ""});
  f.push_back({length_field(c.data), fmt::format("{:.0f} steps", in.max_length), [](MemoryInputs& m) {
                 m.max_length = 1;
                 m.mean_length = 1;
               }, ""});
  if (in.examples > 0) {
    const bool generated = c.data.source == DataSourceKind::kGenerated;
    f.push_back({generated ? "data.size" : c.data.splits ? "data.splits.train" : "data.path",
                 generated ? fmt::format("{}", c.data.size) : fmt::format("{:.0f} examples", in.examples),
                 [](MemoryInputs& m) { m.examples = 1; }, ""});
  }
  return f;
}

// The first number on the line of `file` that starts with `key`, or NaN.
double read_number(const std::string& file, const std::string& key = "") {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    std::istringstream rest(line.substr(key.size()));
    double x = 0;
    if (rest >> x) return x;
    return std::nan("");
  }
  return std::nan("");
}

}  // namespace

MemoryInputs memory_inputs(const ExperimentConfig& c) {
  MemoryInputs in = config_inputs(c);
  const DataConfig& d = c.data;
  const bool features = d.source == DataSourceKind::kCsv || d.source == DataSourceKind::kBirths ||
                        (d.source == DataSourceKind::kGenerated && d.task == "sine");
  if (features) {
    in.input_dim = std::max(1.0, static_cast<double>(d.columns.size()));  // csv: data.columns; else one value per step
    in.target_dim = 1;
  } else {
    in.vocab_size = 2;  // the least a token source can have
  }
  in.outputs = d.source == DataSourceKind::kGenerated && d.task == "marker" ? 2 : in.per_step_outputs ? in.vocab_size : 1;
  if (d.source == DataSourceKind::kGenerated) {
    in.examples = static_cast<double>(d.size);
    in.mean_length = 0.5 * (static_cast<double>(d.min_length) + d.max_length);
    in.max_length = d.max_length;
    const double n = in.examples;  // split as split_counts() will
    const double validation = std::floor(d.validation_fraction * n + 1e-9), test = std::floor(d.test_fraction * n + 1e-9);
    cap_batches(in, n - validation - test, std::max(validation, test));
  } else if (features) {
    in.mean_length = in.max_length = d.window;  // every window has exactly this length
  }
  return in;
}

MemoryInputs memory_inputs(const ExperimentConfig& c, const UnsplitDataset& data) {
  MemoryInputs in = config_inputs(c);
  const Dataset& d = data.dataset;
  in.vocab_size = d.vocab_size;
  in.input_dim = d.input_dim;
  in.outputs = d.task == TaskKind::kClassification ? d.num_classes
               : d.task == TaskKind::kRegression   ? d.output_dim
                                                   : d.vocab_size;
  in.examples = static_cast<double>(data.examples.size());
  double steps = 0, longest = 1, targets = 0;
  for (const Example& e : data.examples) {
    const double t = d.vocab_size > 0 ? static_cast<double>(e.tokens.size())
                                      : static_cast<double>(e.features.size()) / std::max(d.input_dim, 1);
    steps += t;
    longest = std::max(longest, t);
    targets = std::max(targets, static_cast<double>(e.target.size()));
  }
  in.mean_length = in.examples > 0 ? steps / in.examples : 1;
  in.max_length = longest;
  in.target_dim = targets;
  cap_batches(in, static_cast<double>(data.counts.train),
              static_cast<double>(std::max(data.counts.validation, data.counts.test)));
  return in;
}

AvailableMemory available_memory() {
  AvailableMemory a{std::numeric_limits<double>::infinity(), "no limit could be read"};
  auto consider = [&a](double bytes, const char* source) {
    if (std::isfinite(bytes) && bytes < a.bytes) a = {std::max(bytes, 0.0), source};
  };
  const double meminfo = read_number("/proc/meminfo", "MemAvailable:") * kKiB;
  if (std::isfinite(meminfo)) {
    consider(meminfo, "MemAvailable in /proc/meminfo");
  } else {
    const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) consider(static_cast<double>(pages) * static_cast<double>(page), "free physical memory");
  }
  // cgroup v2, then v1 (whose "no limit" is a number near 2^63).
  const double v2 = read_number("/sys/fs/cgroup/memory.max");  // NaN for "max"
  consider(v2 - read_number("/sys/fs/cgroup/memory.current"), "the cgroup's memory.max less its usage");
  const double v1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  if (v1 < 0x1p60) {
    consider(v1 - read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes"), "the cgroup's memory limit less its usage");
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const double used = read_number("/proc/self/status", "VmSize:") * kKiB;
    consider(static_cast<double>(as.rlim_cur) - (std::isfinite(used) ? used : 0.0), "ulimit -v less the address space in use");
  }
  return a;
}

void check_memory(const ExperimentConfig& config, const MemoryInputs& in, const AvailableMemory& available) {
  const MemoryEstimate need = estimate_memory(in);
  if (!(need.total() > available.bytes)) return;
  // The field whose reduction to 1 lowers the estimate most (the first of equals).
  const std::vector<SizeField> fields = size_fields(config, in);
  const SizeField* driver = nullptr;
  double lowest = need.total();
  for (const SizeField& f : fields) {
    MemoryInputs smaller = in;
    f.shrink(smaller);
    const double total = estimate_memory(smaller).total();
    if (driver == nullptr || total < lowest) {
      driver = &f;
      lowest = total;
    }
  }
  throw ConfigError(driver->path,
                    fmt::format("at {} the run would need about {} ({}), more than the {} available ({}){}",
                                driver->value, format_bytes(need.total()), need.breakdown(), format_bytes(available.bytes),
                                available.source, driver->hint));
}

}  // namespace dpt
