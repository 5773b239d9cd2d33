// dp_step_bench: one full training step, non-private vs DP-SGD, on the three shapes of the
// speed issue — Embedding(256 -> 64) -> LSTM(H) -> last step -> Linear(H -> 2), cross-entropy,
// SGD (or --cell gru, --bidirectional: H per direction, last step [forward | backward] into
// Linear(2H -> 2)). Non-private: a fixed batch of B, ordinary gradient, SGD. DP: a Poisson batch at q = B/N,
// per-example norms, clipping, noise, division by q·N, SGD; a Poisson batch larger than
// --chunk K times B (default 1) is processed in chunks of at most K·B examples, as a run with
// training.max_physical_batch_size does (0: whole batches). Times come from one child process
// per shape that interleaves non-private and DP steps (noise from other tenants of these shared
// machines hits both alike); peak RSS (VmHWM) from one child per (shape, mode) running that mode
// alone. Also measures the machine's float GEMM rate in a plain Eigen product, and optionally
// PyTorch's non-private step side by side.
// Usage: dp_step_bench [--threads N] [--reps R] [--shape K] [--norm-method auto|ghost|fused]
//                      [--chunk K] [--cell lstm|gru] [--bidirectional] [--json] [--pytorch]
#include <fmt/core.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/losses/loss.hpp"
#include "core/layers/recurrent_stack.hpp"
#include "core/models/sequence_model.hpp"
#include "core/random/counter_rng.hpp"
#include "core/runtime/allocator.hpp"
#include "core/runtime/parallel_blocks.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/privatizer.hpp"
#include "experiments/run/dp_step.hpp"
#include "optim/sgd.hpp"

namespace {

using namespace dpt;
using Clock = std::chrono::steady_clock;

struct Shape {
  int batch, seq, hidden;
};
constexpr Shape kShapes[] = {{64, 64, 128}, {256, 32, 64}, {32, 256, 256}};
// PyTorch 1.13 nn.LSTM non-private step on these machines, from the speed issue (orientation;
// one-directional LSTM only).
constexpr double kIssuePyTorchMs[] = {68.5, 52.5, 523.0};
constexpr int kVocab = 256, kEmbed = 64, kClasses = 2, kDatasetFactor = 16;  // N = 16 B

double now_ms(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

long peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

struct Recurrent {
  RecurrentCell cell = RecurrentCell::kLstm;
  bool bidirectional = false;
  int gates() const { return cell == RecurrentCell::kGru ? 3 : 4; }
  int directions() const { return bidirectional ? 2 : 1; }
  // "LSTM(H)", "GRU(H)", "bidirectional LSTM(H + H)"
  std::string label() const {
    const char* name = cell == RecurrentCell::kGru ? "GRU" : "LSTM";
    return bidirectional ? fmt::format("bidirectional {}(H + H)", name) : fmt::format("{}(H)", name);
  }
};

// Multiply-adds x 2 of one step's GEMMs: forward (input projection + recurrence), BPTT (dh, dX)
// and the weight gradients, each 2·T·B·gH·(D or H) with g gates (LSTM 4, GRU 3) per direction
// — 6g·T·B·H·(D + H) per direction in all, 24·T·B·H·(D + H) for one LSTM.
double step_flops(const Shape& s, const Recurrent& rec) {
  return 6.0 * rec.gates() * rec.directions() * s.seq * s.batch * s.hidden * static_cast<double>(kEmbed + s.hidden);
}

// Plain Eigen float GEMM rate, 1024^3, in fixed column blocks over the threads; median of 25
// products after 3 warm-ups.
double sgemm_gflops() {
  const Index n = 1024;
  MatrixF a = MatrixF::Random(n, n), b = MatrixF::Random(n, n), c(n, n);
  std::vector<double> ms;
  for (int r = 0; r < 28; ++r) {
    const auto t0 = Clock::now();
    parallel_blocks(n, kGemmColumnBlock, [&](Index j, Index w) { c.middleCols(j, w).noalias() = a * b.middleCols(j, w); });
    if (r >= 3) ms.push_back(now_ms(t0));
  }
  return 2.0 * n * n * n / (median(ms) * 1e6);
}

struct Dataset {
  std::vector<std::vector<int32_t>> tokens;
  std::vector<int32_t> labels;
};

Dataset make_data(const Shape& s) {
  Dataset d;
  const CounterRng rng(5);
  uint64_t k = 0;
  for (int i = 0; i < s.batch * kDatasetFactor; ++i) {
    std::vector<int32_t> seq(static_cast<size_t>(s.seq));
    for (int32_t& t : seq) t = static_cast<int32_t>(rng.bits(k++) % kVocab);
    d.tokens.push_back(seq);
    d.labels.push_back(static_cast<int32_t>(rng.bits(k++) % kClasses));
  }
  return d;
}

SequenceBatch<float> batch_of(const Dataset& d, const std::vector<int64_t>& idx, int seq, std::vector<int32_t>& labels) {
  const int B = static_cast<int>(idx.size());
  SequenceBatch<float> b{BatchLayout::sequence(std::vector<int>(static_cast<size_t>(B), seq)), nullptr, {}};
  auto ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(B) * seq);
  labels.clear();
  for (int j = 0; j < B; ++j) {
    for (int t = 0; t < seq; ++t) (*ids)[static_cast<size_t>(t) * B + j] = d.tokens[idx[j]][t];
    labels.push_back(d.labels[idx[j]]);
  }
  b.tokens = ids;
  return b;
}

struct ChildOptions {
  int reps = 10;
  std::string norm_method = "auto";  // DP: per-example method for every linear parameter
  int chunk_factor = 1;              // DP: chunks of at most chunk_factor·B examples; 0: whole batch
  Recurrent recurrent;               // the recurrent layer (default: one-directional LSTM)
};

std::optional<RecurrentCell> parse_cell(const std::string& name) {
  if (name == "lstm") return RecurrentCell::kLstm;
  if (name == "gru") return RecurrentCell::kGru;
  return std::nullopt;
}

std::optional<NormMethod> parse_norm_method(const std::string& name) {
  if (name == "auto") return NormMethod::kAuto;
  if (name == "ghost") return NormMethod::kGhost;
  if (name == "fused") return NormMethod::kMaterialise;
  return std::nullopt;
}

// The benchmark's task: fixed-length sequences (no reordering), Embedding -> LSTM (or GRU, or
// bidirectional) -> last step -> Linear, cross-entropy.
class BenchTask : public StepTask {
 public:
  BenchTask(SequenceModel<float>& model, const Dataset& data, int seq) : model_(model), data_(data), seq_(seq) {}
  void order(std::vector<int64_t>&) const override {}
  LossResult<float> loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const override {
    std::vector<int32_t> labels;
    const SequenceBatch<float> batch = batch_of(data_, chunk, seq_, labels);
    return cross_entropy_loss(tape, model_.forward(tape, batch, true, dropout_seed), labels);
  }

 private:
  SequenceModel<float>& model_;
  const Dataset& data_;
  int seq_;
};

// One mode's training loop: its own model, optimizer and randomness (the same for both modes),
// each step a DpStep as in `dptrain run` (DP: Poisson sample, chunks of at most chunk_factor·B
// examples — training.max_physical_batch_size = chunk_factor·B —, clipping, noise once per step,
// SGD, RDP charged; non-private: the fixed batch 0..B-1, mean gradient, SGD).
class StepRunner {
 public:
  StepRunner(const Shape& s, const Dataset& data, bool dp, const ChildOptions& options)
      : s_(s), model_(spec(s, options.recurrent), 1), params_(model_.parameters()), task_(model_, data, s.seq),
        randomness_(3), noise_(randomness_),
        sampler_(static_cast<int64_t>(data.labels.size()),
                 static_cast<double>(s.batch) / static_cast<double>(data.labels.size()), randomness_),
        privatizer_(privatizer_config(sampler_.expected_batch_size(), options), noise_),
        step_(parts(dp, options)) {}

  // Step r (its Poisson sample when DP); returns its wall time in ms.
  double step(int r) {
    const auto t0 = Clock::now();
    StepResult result;
    if (step_.is_private()) {
      result = step_.run(task_, r, 0.01);
    } else {
      std::vector<int64_t> idx(static_cast<size_t>(s_.batch));
      std::iota(idx.begin(), idx.end(), int64_t{0});
      result = step_.run_on_batch(task_, std::move(idx), r, 0.01);
    }
    const double ms = now_ms(t0);
    last_batch_ = static_cast<size_t>(result.batch_size);
    max_batch_ = std::max(max_batch_, last_batch_);
    return ms;
  }

  size_t last_batch() const { return last_batch_; }
  size_t max_batch() const { return max_batch_; }

 private:
  static SequenceModelSpec spec(const Shape& s, const Recurrent& rec) {
    SequenceModelSpec spec;
    spec.vocab_size = kVocab;
    spec.embedding_dim = kEmbed;
    RecurrentLayerSpec layer;
    layer.cell = rec.cell;
    layer.hidden = s.hidden;
    layer.bidirectional = rec.bidirectional;
    spec.recurrent = {layer};
    spec.outputs = kClasses;
    return spec;
  }
  static PrivatizerConfig privatizer_config(double expected_batch_size, const ChildOptions& options) {
    PrivatizerConfig pc;
    pc.noise_multiplier = 1.0;
    pc.clipping.clip_norm = 1.0;
    pc.expected_batch_size = expected_batch_size;
    pc.norm_method = *parse_norm_method(options.norm_method);
    return pc;
  }
  DpStepParts parts(bool dp, const ChildOptions& options) {
    DpStepParts p;
    p.params = params_;
    p.optimizer = &sgd_;
    p.sampler = &sampler_;
    p.privatizer = dp ? &privatizer_ : nullptr;
    p.accountant = dp ? &accountant_ : nullptr;
    p.max_physical_batch_size = options.chunk_factor * s_.batch;
    return p;
  }

  Shape s_;
  SequenceModel<float> model_;
  ParameterList<float> params_;
  BenchTask task_;
  Sgd<float> sgd_;
  ReproducibleRandomness randomness_;
  GaussianNoise noise_;
  PoissonSampler sampler_;
  Privatizer privatizer_;
  RdpAccountant accountant_;
  DpStep step_;
  size_t last_batch_ = 0, max_batch_ = 0;  // Poisson batches vary: peak memory follows the largest
};

constexpr int kWarmup = 3;

// Child "time": both modes in one process, steps interleaved (non-private, DP, non-private, ...)
// so that load from other tenants of this shared machine hits both alike; prints one JSON line.
int run_time_child(int shape_index, const ChildOptions& options) {
  keep_freed_memory_in_process();
  const Shape s = kShapes[shape_index];
  const Dataset data = make_data(s);
  StepRunner np(s, data, false, options), dp(s, data, true, options);
  std::vector<double> np_ms, dp_ms;
  double dp_examples = 0;
  for (int r = 0; r < kWarmup + options.reps; ++r) {
    const double a = np.step(r);
    const double b = dp.step(r);
    if (r < kWarmup) continue;
    np_ms.push_back(a);
    dp_ms.push_back(b);
    dp_examples += static_cast<double>(dp.last_batch());
  }
  const double np_med = median(np_ms), dp_med = median(dp_ms);
  const double np_total = std::accumulate(np_ms.begin(), np_ms.end(), 0.0), dp_total = std::accumulate(dp_ms.begin(), dp_ms.end(), 0.0);
  nlohmann::json j{{"nonprivate",
                    {{"median_ms", np_med},
                     {"examples_per_s", s.batch * static_cast<double>(options.reps) / (np_total / 1000.0)},
                     {"gflops", step_flops(s, options.recurrent) / (np_med * 1e6)}}},
                   {"dp",
                    {{"median_ms", dp_med},
                     {"examples_per_s", dp_examples / (dp_total / 1000.0)},
                     {"mean_batch", dp_examples / options.reps},
                     {"max_batch", dp.max_batch()}}}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

// Child "rss": one mode alone, the same steps, for its peak resident memory (VmHWM).
int run_rss_child(int shape_index, bool dp, const ChildOptions& options) {
  keep_freed_memory_in_process();
  const Shape s = kShapes[shape_index];
  const Dataset data = make_data(s);
  StepRunner runner(s, data, dp, options);
  for (int r = 0; r < kWarmup + options.reps; ++r) runner.step(r);
  std::printf("%s\n", nlohmann::json{{"peak_rss_mb", static_cast<double>(peak_rss_kb()) / 1024.0}}.dump().c_str());
  return 0;
}

nlohmann::json run_in_child(const std::string& self, int shape, const std::string& mode, const ChildOptions& options,
                            int threads) {
  const std::string cmd = fmt::format("OMP_NUM_THREADS={} '{}' --child {} {} --reps {} --norm-method {} --chunk {} --cell {}{}",
                                      threads, self, shape, mode, options.reps, options.norm_method, options.chunk_factor,
                                      name_of(options.recurrent.cell), options.recurrent.bidirectional ? " --bidirectional" : "");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  if (pclose(pipe) != 0) throw std::runtime_error("child failed: " + cmd + "\n" + out);
  return nlohmann::json::parse(out);
}

// PyTorch's non-private step of the same shape (bench/pytorch_lstm_step.py), if torch imports,
// in its faster configuration of two: OpenBLAS threads as it comes, and OPENBLAS_NUM_THREADS=1
// (torch's own OpenMP threads and OpenBLAS's pthreads oversubscribe the cores on small GEMMs;
// on these machines the second is 2-5x faster). Returns the faster median and its setting.
nlohmann::json run_pytorch(const Shape& s, const Recurrent& rec, int reps, int threads) {
  nlohmann::json best = nullptr;
  for (const char* env : {"", "OPENBLAS_NUM_THREADS=1 "}) {
    const std::string cmd =
        fmt::format("{}/usr/bin/python3 '{}' --batch {} --seq {} --hidden {} --reps {} --threads {} --cell {}{} 2>/dev/null",
                    env, DPT_PYTORCH_SCRIPT, s.batch, s.seq, s.hidden, reps, threads, name_of(rec.cell),
                    rec.bidirectional ? " --bidirectional" : "");
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) continue;
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
    if (pclose(pipe) != 0) continue;
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_object() || !j.contains("median_ms")) continue;
    j["setting"] = *env != '\0' ? "OPENBLAS_NUM_THREADS=1" : "default";
    if (best.is_null() || j["median_ms"].get<double>() < best["median_ms"].get<double>()) best = j;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = omp_get_max_threads(), only = -1;
  ChildOptions child;
  bool json = false, pytorch = false;
  int child_shape = -1;
  std::string child_mode;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto text = [&](const char* name) -> std::string {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "dp_step_bench: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++a];
    };
    auto value = [&](const char* name) { return std::atoi(text(name).c_str()); };
    if (arg == "--child") {
      child_shape = value("--child");
      child_mode = text("--child");
    } else if (arg == "--threads") {
      threads = value("--threads");
    } else if (arg == "--reps") {
      child.reps = value("--reps");
    } else if (arg == "--shape") {
      only = value("--shape");
    } else if (arg == "--chunk") {
      child.chunk_factor = value("--chunk");
    } else if (arg == "--norm-method") {
      child.norm_method = text("--norm-method");
    } else if (arg == "--cell") {
      const std::string name = text("--cell");
      const std::optional<RecurrentCell> cell = parse_cell(name);
      if (!cell) {
        std::fprintf(stderr, "dp_step_bench: --cell expects lstm or gru, but got '%s'\n", name.c_str());
        return 2;
      }
      child.recurrent.cell = *cell;
    } else if (arg == "--bidirectional") {
      child.recurrent.bidirectional = true;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--pytorch") {
      pytorch = true;
    } else {
      std::fprintf(stderr,
                   "dp_step_bench: unknown option %s (known: --threads N --reps R --shape K --norm-method auto|ghost|fused "
                   "--chunk K --cell lstm|gru --bidirectional --json --pytorch)\n",
                   arg.c_str());
      return 2;
    }
  }
  if (threads < 1 || child.reps < 1 || only >= 3 || child.chunk_factor < 0 || !parse_norm_method(child.norm_method)) {
    std::fprintf(stderr,
                 "dp_step_bench: --threads and --reps must be >= 1, --shape in 0..2, --chunk >= 0, "
                 "--norm-method auto|ghost|fused\n");
    return 2;
  }
  if (child_shape >= 0) {
    if (child_mode == "time") return run_time_child(child_shape, child);
    return run_rss_child(child_shape, child_mode == "rss-dp", child);
  }
  omp_set_num_threads(threads);
  const std::string self = "/proc/" + std::to_string(getpid()) + "/exe";
  nlohmann::json result{{"threads", threads}, {"reps", child.reps}, {"norm_method", child.norm_method}, {"chunk_factor", child.chunk_factor}, {"cell", name_of(child.recurrent.cell)}, {"bidirectional", child.recurrent.bidirectional}, {"sgemm_gflops", sgemm_gflops()}, {"shapes", nlohmann::json::array()}};
  for (int k = 0; k < 3; ++k) {
    if (only >= 0 && k != only) continue;
    const Shape s = kShapes[k];
    nlohmann::json r{{"batch", s.batch}, {"seq", s.seq}, {"hidden", s.hidden}, {"gflop_per_step", step_flops(s, child.recurrent) / 1e9}};
    const nlohmann::json timing = run_in_child(self, k, "time", child, threads);
    r["nonprivate"] = timing["nonprivate"];
    r["dp"] = timing["dp"];
    r["nonprivate"]["peak_rss_mb"] = run_in_child(self, k, "rss-nonprivate", child, threads)["peak_rss_mb"];
    r["dp"]["peak_rss_mb"] = run_in_child(self, k, "rss-dp", child, threads)["peak_rss_mb"];
    r["dp_over_nonprivate_time"] = r["dp"]["median_ms"].get<double>() / r["nonprivate"]["median_ms"].get<double>();
    r["dp_over_nonprivate_rss"] = r["dp"]["peak_rss_mb"].get<double>() / r["nonprivate"]["peak_rss_mb"].get<double>();
    const bool issue_model = child.recurrent.cell == RecurrentCell::kLstm && !child.recurrent.bidirectional;
    if (issue_model) r["pytorch_issue_ms"] = kIssuePyTorchMs[k];
    if (pytorch) r["pytorch_nonprivate"] = run_pytorch(s, child.recurrent, child.reps, threads);
    result["shapes"].push_back(r);
  }
  // The machine's sgemm rate: the better of a measurement before and one after the shapes.
  result["sgemm_gflops"] = std::max(result["sgemm_gflops"].get<double>(), sgemm_gflops());
  for (auto& r : result["shapes"]) {
    r["nonprivate_fraction_of_sgemm"] = r["nonprivate"]["gflops"].get<double>() / result["sgemm_gflops"].get<double>();
  }
  if (json) {
    std::printf("%s\n", result.dump(2).c_str());
    return 0;
  }
  fmt::print("dp_step_bench: Embedding(256->64) -> {} -> Linear({}->2), SGD; {} threads, median of {} steps after 3 warm-ups,\n"
             "non-private and DP steps interleaved in one process; "
             "DP: Poisson batches at q = B/N, norms '{}', chunks of at most {}\n",
             child.recurrent.label(), child.recurrent.bidirectional ? "2H" : "H", threads, child.reps, child.norm_method,
             child.chunk_factor > 0 ? fmt::format("{} x B examples", child.chunk_factor) : std::string("(none: whole batches)"));
  fmt::print("machine sgemm (Eigen, 1024^3, same threads, better of before and after): {:.1f} GFLOP/s\n\n", result["sgemm_gflops"].get<double>());
  fmt::print("{:>16} | {:>10} {:>9} {:>8} {:>7} | {:>10} {:>9} {:>8} | {:>6} {:>6} | {:>10}\n", "B x T x H", "non-priv ms",
             "ex/s", "RSS MB", "GFLOP/s", "DP ms", "ex/s", "RSS MB", "time x", "RSS x", "PyTorch ms");
  for (const auto& r : result["shapes"]) {
    const auto& np = r["nonprivate"];
    const auto& dp = r["dp"];
    std::string torch_ms = r.contains("pytorch_issue_ms") ? fmt::format("({:.1f})", r["pytorch_issue_ms"].get<double>()) : "-";
    if (r.contains("pytorch_nonprivate") && r["pytorch_nonprivate"].is_object()) {
      torch_ms = fmt::format("{:.1f}", r["pytorch_nonprivate"]["median_ms"].get<double>());
    }
    fmt::print("{:>16} | {:>11.1f} {:>9.0f} {:>8.1f} {:>7.1f} | {:>10.1f} {:>9.0f} {:>8.1f} | {:>6.3f} {:>6.3f} | {:>10}\n",
               fmt::format("{} x {} x {}", r["batch"].get<int>(), r["seq"].get<int>(), r["hidden"].get<int>()),
               np["median_ms"].get<double>(), np["examples_per_s"].get<double>(), np["peak_rss_mb"].get<double>(),
               np["gflops"].get<double>(), dp["median_ms"].get<double>(), dp["examples_per_s"].get<double>(),
               dp["peak_rss_mb"].get<double>(), r["dp_over_nonprivate_time"].get<double>(),
               r["dp_over_nonprivate_rss"].get<double>(), torch_ms);
  }
  fmt::print("\nnon-private GFLOP/s as a fraction of sgemm:");
  for (const auto& r : result["shapes"]) fmt::print(" {:.2f}", r["nonprivate_fraction_of_sgemm"].get<double>());
  if (child.recurrent.cell == RecurrentCell::kLstm && !child.recurrent.bidirectional) {
    fmt::print("\nPyTorch ms in parentheses: the speed issue's figure (run with --pytorch to measure side by side;\n"
               "measured: the faster of OpenBLAS threads as they come and OPENBLAS_NUM_THREADS=1)\n");
  } else {
    fmt::print("\nPyTorch ms: '-' unless --pytorch (the speed issue's figures are for one-directional LSTM only;\n"
               "measured: the faster of OpenBLAS threads as they come and OPENBLAS_NUM_THREADS=1)\n");
  }
  fmt::print("largest Poisson batch per shape (DP):");
  for (const auto& r : result["shapes"]) fmt::print(" {}", r["dp"]["max_batch"].get<int>());
  fmt::print("\n");
  return 0;
}
