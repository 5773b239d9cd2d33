// lstm_step_bench: wall time of (a) one non-private step — forward + loss + backward + ordinary
// gradient (gradient_sum) — against (b) the core of one DP-SGD step — the same with per-example
// norms, flat clip factors c_i = min(1, C/(||g_i|| + 1e-6)) and the clipped sum, all from
// clipped_gradient_sum (kAuto) — on Embedding -> LSTM (or --cell gru, --bidirectional) -> last
// valid step -> Linear(2), float32.
// Medians of --reps repetitions after 3 warm-ups, (a) and (b) interleaved; the clipped sum is
// also timed alone with each method (ghost, fused, auto) on one recorded tape, interleaved with
// gradient_sum. Noise, the optimiser and the accountant are not measured.
#include <Eigen/Core>
#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/runtime/allocator.hpp"
#include "core/autograd/tape.hpp"
#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/clipped_sum.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/per_example/per_example_norms.hpp"
#include "core/random/counter_rng.hpp"

namespace {

using dpt::MatrixF;
using dpt::NormMethod;
using Clock = std::chrono::steady_clock;

constexpr int kWarmup = 3;
constexpr float kClipNorm = 1.0f;   // C
constexpr float kNormEps = 1e-6f;   // c_i = min(1, C / (||g_i|| + eps))
constexpr uint64_t kDataSeed = 0x5eed'da7aULL;
constexpr uint64_t kModelSeed = 0x5eed'0de1ULL;

struct Options {
  int batch = 64;
  int seq = 64;
  int hidden = 128;
  int embed = 64;
  int vocab = 256;
  int reps = 20;
  bool ragged = false;
  bool json = false;
  dpt::RecurrentCell cell = dpt::RecurrentCell::kLstm;
  bool bidirectional = false;
};

// "LSTM(128)", "GRU(128)", "bidirectional LSTM(128 + 128)".
std::string recurrent_label(const Options& o) {
  const char* cell = o.cell == dpt::RecurrentCell::kGru ? "GRU" : "LSTM";
  if (!o.bidirectional) return fmt::format("{}({})", cell, o.hidden);
  return fmt::format("bidirectional {}({} + {})", cell, o.hidden, o.hidden);
}

// ---- command line --------------------------------------------------------------------------

constexpr const char* kUsage =
    "usage: lstm_step_bench [--batch N] [--seq T] [--hidden H] [--embed D] [--vocab V] [--reps R]\n"
    "                       [--cell lstm|gru] [--bidirectional] [--ragged] [--json]\n"
    "  defaults: --batch 64 --seq 64 --hidden 128 --embed 64 --vocab 256 --reps 20 --cell lstm\n"
    "  --cell           the recurrent layer: lstm (torch.nn.LSTM's) or gru (torch.nn.GRU's)\n"
    "  --bidirectional  a bidirectional layer, H per direction; last step = [forward at the last\n"
    "                   valid step | backward at step 0] (torch's h_n of both directions)\n"
    "  --ragged  lengths uniform in [T/2, T] (fixed seed), longest first as the trainer orders\n"
    "            a batch, instead of all T\n"
    "  --json    print one JSON object instead of the table\n";

[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "lstm_step_bench: {}\n{}", message, kUsage);
  std::exit(2);
}

int parse_positive(std::string_view flag, std::string_view text, int max_value) {
  int v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < 1 || v > max_value) {
    usage_error(fmt::format("{} expects an integer in [1, {}], but got '{}'.", flag, max_value, text));
  }
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  const std::map<std::string_view, std::pair<int*, int>> ints = {
      {"--batch", {&o.batch, 1 << 16}}, {"--seq", {&o.seq, 1 << 16}},     {"--hidden", {&o.hidden, 1 << 14}},
      {"--embed", {&o.embed, 1 << 14}}, {"--vocab", {&o.vocab, 1 << 24}}, {"--reps", {&o.reps, 1 << 20}}};
  for (int k = 1; k < argc; ++k) {
    std::string_view arg = argv[k];
    std::string_view value;
    bool has_inline_value = false;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", kUsage);
      std::exit(0);
    }
    if (arg == "--ragged" || arg == "--json" || arg == "--bidirectional") {
      if (has_inline_value) usage_error(fmt::format("{} takes no value.", arg));
      (arg == "--ragged" ? o.ragged : arg == "--json" ? o.json : o.bidirectional) = true;
      continue;
    }
    if (arg == "--cell") {
      if (!has_inline_value) {
        if (k + 1 >= argc) usage_error("--cell needs a value.");
        value = argv[++k];
      }
      if (value == "lstm") {
        o.cell = dpt::RecurrentCell::kLstm;
      } else if (value == "gru") {
        o.cell = dpt::RecurrentCell::kGru;
      } else {
        usage_error(fmt::format("--cell expects lstm or gru, but got '{}'.", value));
      }
      continue;
    }
    const auto it = ints.find(arg);
    if (it == ints.end()) usage_error(fmt::format("unknown flag '{}'.", argv[k]));
    if (!has_inline_value) {
      if (k + 1 >= argc) usage_error(fmt::format("{} needs a value.", arg));
      value = argv[++k];
    }
    *it->second.first = parse_positive(arg, value, it->second.second);
  }
  if (static_cast<int64_t>(o.batch) * o.seq > (int64_t{1} << 24)) {
    usage_error(fmt::format("--batch x --seq must be at most {}, but is {}.", 1 << 24,
                            static_cast<int64_t>(o.batch) * o.seq));
  }
  return o;
}

// ---- data ----------------------------------------------------------------------------------

struct BenchBatch {
  dpt::SequenceBatch<float> inputs;
  std::vector<int32_t> labels;  // (B) class 0 or 1
  double mean_length = 0;
};

BenchBatch make_batch(const Options& o) {
  const dpt::CounterRng rng(kDataSeed);
  uint64_t k = 0;
  std::vector<int> lengths(o.batch, o.seq);
  if (o.ragged) {
    const int lo = std::max(1, o.seq / 2);
    for (int& n : lengths) n = lo + static_cast<int>(rng.bits(k++) % static_cast<uint64_t>(o.seq - lo + 1));
    std::sort(lengths.begin(), lengths.end(), std::greater<>());  // longest first, as the trainer orders a batch
  }
  BenchBatch out;
  out.inputs.layout = dpt::BatchLayout::sequence(lengths);
  const int T = out.inputs.layout->steps();
  // (T*B) token ids, time-major; padding rows hold 0 (a valid id that must not matter)
  auto tokens = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(T) * o.batch, 0);
  out.labels.resize(o.batch);
  for (int b = 0; b < o.batch; ++b) {
    for (int t = 0; t < lengths[b]; ++t) {
      (*tokens)[static_cast<size_t>(t) * o.batch + b] = static_cast<int32_t>(rng.bits(k++) % static_cast<uint64_t>(o.vocab));
    }
    out.labels[b] = static_cast<int32_t>(rng.bits(k++) % 2);
    out.mean_length += lengths[b];
  }
  out.mean_length /= o.batch;
  out.inputs.tokens = std::move(tokens);
  return out;
}

// ---- timing --------------------------------------------------------------------------------

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

volatile float g_sink = 0;  // keeps results observable so no work is optimised away

void consume(const std::vector<MatrixF>& grads) {
  float s = 0;
  for (const MatrixF& g : grads) s += g.size() > 0 ? g(0, 0) : 0.0f;
  g_sink = g_sink + s;
}

// Flat clipping c_i = min(1, C / (||g_i|| + eps)) of one example from its P squared norms.
dpt::ClipRule<float> flat_rule(size_t P) {
  return [P](const double* sq, float* c) {
    double total = 0;
    for (size_t p = 0; p < P; ++p) total += sq[p];
    c[0] = static_cast<float>(std::min(1.0, kClipNorm / (std::sqrt(total) + kNormEps)));
  };
}

dpt::ClippedSum<float> clipped_sum(const std::vector<dpt::ParamUse<float>>& uses, const dpt::ParameterList<float>& params,
                                   int batch, NormMethod method) {
  return dpt::clipped_gradient_sum(uses, params, batch, 1, flat_rule(params.size()), method);
}

struct Bench {
  Options options;
  BenchBatch batch;
  dpt::SequenceModel<float> model;
  dpt::ParameterList<float> params;

  Bench(const Options& o, const dpt::SequenceModelSpec& spec)
      : options(o), batch(make_batch(o)), model(spec, kModelSeed), params(model.parameters()) {}

  // Forward + loss + backward on a fresh tape.
  void record(dpt::Tape<float>& tape) {
    const dpt::Var logits = model.forward(tape, batch.inputs, /*training=*/true, 0);
    const dpt::LossResult<float> loss = dpt::cross_entropy_loss(tape, logits, batch.labels);
    tape.backward(loss.total);
  }
};

struct StepPhases {
  double total = 0;    // the whole step, tape teardown included
  double fwd_bwd = 0;  // forward + loss + backward
};

// (a) when dp is false, (b) when true.
StepPhases run_step(Bench& bench, bool dp) {
  StepPhases ph;
  const auto t0 = Clock::now();
  Clock::time_point t1;
  {
    dpt::Tape<float> tape;
    bench.record(tape);
    t1 = Clock::now();
    std::vector<MatrixF> grads;
    if (!dp) {
      grads = dpt::gradient_sum(tape.uses(), bench.params);
    } else {
      grads = clipped_sum(tape.uses(), bench.params, bench.options.batch, NormMethod::kAuto).gradients;
    }
    consume(grads);
  }
  const auto t3 = Clock::now();
  ph.total = ms_between(t0, t3);
  ph.fwd_bwd = ms_between(t0, t1);
  return ph;
}

template <typename F>
double time_ms(F&& f) {
  const auto t0 = Clock::now();
  f();
  return ms_between(t0, Clock::now());
}

const char* method_name(NormMethod m) {
  switch (m) {
    case NormMethod::kAuto: return "auto";
    case NormMethod::kGhost: return "ghost";
    case NormMethod::kMaterialise: return "fused";
  }
  return "?";
}

struct Results {
  // medians, ms
  double step_a = 0, step_b = 0, fwd_bwd_a = 0, fwd_bwd_b = 0;
  double sum_ghost = 0, sum_fused = 0, sum_auto = 0, gradient_sum = 0;
  double ratio = 0;
  double ghost_vs_fused_rel = 0;  // max_i |n_ghost - n_fused| / n_fused over total norms
  std::vector<std::string> param_names, param_shapes, param_methods;
};

Results run(Bench& bench) {
  const Options& o = bench.options;
  Results r;
  // (a) and (b), interleaved; the first kWarmup pairs are discarded.
  std::vector<double> a, b, fa, fb;
  for (int k = 0; k < kWarmup + o.reps; ++k) {
    const StepPhases pa = run_step(bench, false);
    const StepPhases pb = run_step(bench, true);
    if (k < kWarmup) continue;
    a.push_back(pa.total);
    fa.push_back(pa.fwd_bwd);
    b.push_back(pb.total);
    fb.push_back(pb.fwd_bwd);
  }
  r.step_a = median(a);
  r.step_b = median(b);
  r.fwd_bwd_a = median(fa);
  r.fwd_bwd_b = median(fb);
  r.ratio = r.step_b / r.step_a;

  // The pieces alone, on one recorded tape, interleaved.
  dpt::Tape<float> tape;
  bench.record(tape);
  const auto& uses = tape.uses();
  std::vector<double> sg, sf, sa, gs;
  dpt::ClippedSum<float> ghost, fused, autom;
  for (int k = 0; k < kWarmup + o.reps; ++k) {
    const double tg = time_ms([&] { ghost = clipped_sum(uses, bench.params, o.batch, NormMethod::kGhost); });
    const double tf = time_ms([&] { fused = clipped_sum(uses, bench.params, o.batch, NormMethod::kMaterialise); });
    const double ta = time_ms([&] { autom = clipped_sum(uses, bench.params, o.batch, NormMethod::kAuto); });
    const double tgs = time_ms([&] { consume(dpt::gradient_sum(uses, bench.params)); });
    if (k < kWarmup) continue;
    sg.push_back(tg);
    sf.push_back(tf);
    sa.push_back(ta);
    gs.push_back(tgs);
  }
  consume(ghost.gradients);
  consume(fused.gradients);
  r.sum_ghost = median(sg);
  r.sum_fused = median(sf);
  r.sum_auto = median(sa);
  r.gradient_sum = median(gs);

  const dpt::Vector<double> tg = ghost.norms.total_sq(), tf = fused.norms.total_sq();
  for (Eigen::Index i = 0; i < tg.size(); ++i) {
    const double denom = std::max(1e-30, std::abs(tf(i)));
    r.ghost_vs_fused_rel = std::max(r.ghost_vs_fused_rel, std::abs(tg(i) - tf(i)) / denom);
  }

  // The method kAuto chose; bias and embedding norms are direct sums whatever the method.
  std::map<const dpt::Parameter<float>*, dpt::UseKind> kind;
  for (const dpt::ParamUse<float>& u : uses) kind[u.param] = u.kind;
  for (size_t p = 0; p < bench.params.size(); ++p) {
    const dpt::Parameter<float>* param = bench.params[p];
    r.param_names.push_back(param->name);
    r.param_shapes.push_back(fmt::format("{}x{}", param->value.rows(), param->value.cols()));
    const auto it = kind.find(param);
    if (it == kind.end()) {
      r.param_methods.push_back("unused");
    } else if (it->second == dpt::UseKind::kBias) {
      r.param_methods.push_back("direct (bias)");
    } else if (it->second == dpt::UseKind::kEmbedding) {
      r.param_methods.push_back("direct (embedding)");
    } else {
      r.param_methods.push_back(method_name(autom.norms.methods[p]));
    }
  }
  return r;
}

// ---- output --------------------------------------------------------------------------------

void print_table(const Bench& bench, const Results& r) {
  fmt::print("  median ms over {} reps (after {} warm-ups), (a) and (b) interleaved\n", bench.options.reps, kWarmup);
  fmt::print("  (a) non-private step  fwd+loss+bwd + gradient_sum          {:9.3f}   (fwd+loss+bwd {:.3f})\n",
             r.step_a, r.fwd_bwd_a);
  fmt::print("  (b) DP step core      fwd+loss+bwd + clipped_gradient_sum  {:9.3f}   (fwd+loss+bwd {:.3f})\n", r.step_b,
             r.fwd_bwd_b);
  fmt::print("                        (norms, flat clip, sum; auto)\n");
  fmt::print("  ratio (b)/(a)                                              {:9.3f}\n", r.ratio);
  fmt::print("  alone, on one recorded tape:\n");
  fmt::print("    clipped_gradient_sum  ghost                              {:9.3f}\n", r.sum_ghost);
  fmt::print("    clipped_gradient_sum  fused                              {:9.3f}\n", r.sum_fused);
  fmt::print("    clipped_gradient_sum  auto                               {:9.3f}\n", r.sum_auto);
  fmt::print("    gradient_sum                                             {:9.3f}\n", r.gradient_sum);
  fmt::print("  ghost vs fused, max relative difference of ||g_i||^2:     {:.2e}\n", r.ghost_vs_fused_rel);
  fmt::print("  kAuto's choice per parameter:\n");
  for (size_t p = 0; p < r.param_names.size(); ++p) {
    fmt::print("    {:<22} {:>9}  {}\n", r.param_names[p], r.param_shapes[p], r.param_methods[p]);
  }
}

void print_json(const Bench& bench, const Results& r) {
  const Options& o = bench.options;
  nlohmann::ordered_json j;
  j["shape"] = {{"batch", o.batch},   {"seq", o.seq},     {"steps", bench.batch.inputs.layout->steps()},
                {"vocab", o.vocab},   {"embed", o.embed}, {"hidden", o.hidden},
                {"outputs", 2},       {"ragged", o.ragged}, {"mean_length", bench.batch.mean_length}};
  j["recurrent"] = {{"cell", dpt::name_of(o.cell)}, {"hidden", o.hidden}, {"bidirectional", o.bidirectional}};
  j["dtype"] = "float32";
  j["threads"] = omp_get_max_threads();
  j["reps"] = o.reps;
  j["warmup"] = kWarmup;
  j["median_ms"] = {{"nonprivate_step", r.step_a},
                    {"dp_step", r.step_b},
                    {"nonprivate_fwd_loss_bwd", r.fwd_bwd_a},
                    {"dp_fwd_loss_bwd", r.fwd_bwd_b},
                    {"clipped_sum_ghost", r.sum_ghost},
                    {"clipped_sum_fused", r.sum_fused},
                    {"clipped_sum_auto", r.sum_auto},
                    {"gradient_sum", r.gradient_sum}};
  j["ratio_dp_over_nonprivate"] = r.ratio;
  j["ghost_vs_fused_max_rel_diff"] = r.ghost_vs_fused_rel;
  nlohmann::ordered_json methods = nlohmann::ordered_json::object();
  for (size_t p = 0; p < r.param_names.size(); ++p) methods[r.param_names[p]] = r.param_methods[p];
  j["auto_methods"] = methods;
  fmt::print("{}\n", j.dump(2));
}

}  // namespace

int main(int argc, char** argv) {
  dpt::keep_freed_memory_in_process();
  const Options o = parse_options(argc, argv);
  try {
    dpt::SequenceModelSpec spec;
    spec.vocab_size = o.vocab;
    spec.embedding_dim = o.embed;
    dpt::RecurrentLayerSpec layer;
    layer.cell = o.cell;
    layer.hidden = o.hidden;
    layer.bidirectional = o.bidirectional;
    spec.recurrent = {layer};
    spec.outputs = 2;
    spec.pooling = dpt::Pooling::kLast;
    Bench bench(o, spec);
    if (!o.json) {
      fmt::print("lstm_step_bench: batch {}, seq {} ({}, {} steps, mean length {:.1f}), vocab {} -> Embedding({}) -> "
                 "{} -> last step -> Linear(2), cross-entropy, float32, C = {}, threads {}\n",
                 o.batch, o.seq, o.ragged ? "ragged" : "full", bench.batch.inputs.layout->steps(),
                 bench.batch.mean_length, o.vocab, o.embed, recurrent_label(o), kClipNorm, omp_get_max_threads());
    }
    const Results r = run(bench);
    if (o.json) {
      print_json(bench, r);
    } else {
      print_table(bench, r);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "lstm_step_bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
