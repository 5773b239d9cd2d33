// The experiment configuration: what `dptrain run CONFIG` reads, field for field as
// documented in docs/config.md. Defaults here are the documented defaults; the resolved
// config (every default filled) is written to each run folder as config.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/layers/recurrent_cell.hpp"
#include "core/models/pooling.hpp"
#include "datasets/data_config.hpp"
#include "dp/accounting/accountant_kind.hpp"
#include "dp/clipping_mode.hpp"

namespace dpt {

// One layer of model.recurrent (model.lstm spells LSTM-only, one-directional stacks).
struct RecurrentLayerConfig {
  RecurrentCell cell = RecurrentCell::kLstm;  // "lstm" | "gru"
  int hidden = 64;                // per direction
  bool bidirectional = false;     // output [forward | backward], 2 * hidden wide
  bool return_sequences = false;  // must be true below the top layer; true on top for a language model
  double dropout = 0.0;           // on this layer's outputs, while training
};

// model.init_select: which tensors of model.init_from a warm start takes, by name prefix. A
// tensor is taken when some `include` prefix starts its name (absent: every tensor) and no
// `exclude` prefix does; the others keep their fresh initialisation.
struct InitSelect {
  std::optional<std::vector<std::string>> include;  // absent: every tensor
  std::vector<std::string> exclude;
  bool operator==(const InitSelect& o) const { return include == o.include && exclude == o.exclude; }
  bool operator!=(const InitSelect& o) const { return !(*this == o); }
};

struct ModelConfig {
  int embedding_dim = 32;                        // token inputs only
  // model.recurrent, or model.lstm for the same stack of one-directional LSTM layers. config.json
  // writes the `lstm` spelling whenever it can say the stack, so configs from before
  // model.recurrent keep their config.json and run key byte for byte.
  std::vector<RecurrentLayerConfig> recurrent{RecurrentLayerConfig{}};
  std::string recurrent_key = "lstm";  // the key the config used: "lstm" | "recurrent" (for messages)
  Pooling pooling = Pooling::kLast;              // "last" | "mean": when the top layer does not return sequences
  std::vector<int> dense;                        // tanh hidden layers of the head
  std::string output = "auto";                   // "auto" (from the data's task) | "classification" | "regression" | "language_model"
  std::optional<uint64_t> init_seed;             // fixes the initial weights on purpose; absent: from the run key
  // Warm start (docs/config.md, "Warm start"): after the initialisation, the selected tensors are
  // overwritten from this safetensors file before the first step (never on resume). Absent from
  // config.json when unset, with init_select and init_sha256; config.json holds it absolute.
  std::optional<std::string> init_from;
  InitSelect init_select;
  // The file's sha256 (64 lower-case hex digits): filled in by the run from the bytes it loads,
  // so the run key covers the weights' content, not their path; given in a config, it pins the
  // file (a file with other content is refused).
  std::optional<std::string> init_sha256;
};

enum class OptimizerKind { kSgd, kAdam, kAdamW };
enum class ScheduleKind { kConstant, kStep, kCosine };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kAdam;  // JSON "name": "sgd" | "adam" | "adamw"
  double learning_rate = 1e-3;
  double momentum = 0.0;       // sgd
  bool nesterov = false;       // sgd
  double weight_decay = 0.0;
  double beta1 = 0.9;          // adam, adamw
  double beta2 = 0.999;
  double eps = 1e-8;
};

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::kConstant;  // "constant" | "step" | "cosine"
  int64_t warmup_steps = 0;       // linear warm-up before the schedule
  int64_t step_size = 1000;       // step: multiply by gamma every step_size steps
  double gamma = 0.1;
  double min_learning_rate = 0.0; // cosine: the floor
};

struct TrainingConfig {
  int epochs = 10;             // used when steps is 0: steps = ceil(epochs * N / batch_size)
  int64_t steps = 0;
  int batch_size = 64;         // expected batch size q*N under Poisson sampling
  int max_physical_batch_size = 0;  // > 0: a sampled batch is processed in chunks of at most this
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
};

struct PrivacyConfig {
  bool enabled = true;
  double clip_norm = 1.0;                    // C
  ClippingMode clipping = ClippingMode::kFlat;  // "flat" | "per_layer" | "automatic"
  double automatic_gamma = 0.01;             // automatic clipping's gamma
  std::optional<double> noise_multiplier;    // sigma; exactly one of noise_multiplier, target_epsilon
  std::optional<double> target_epsilon;      // sigma is then calibrated before training and recorded
  std::optional<double> delta;               // default: the largest power of ten <= 1/(10 N)
  std::optional<AccountantKind> accountant;  // "rdp" | "pld" | "prv"; absent: "all" (every accountant, gdp too)
  bool secure_mode = false;                  // OS CSPRNG noise; a seed is then refused
  // A dataset's budget ledger (docs/ledger.md): the run's whole planned event is charged to it
  // before the first step. Not part of the run key; absent from config.json when unset.
  std::optional<std::string> ledger;
};

struct EvalConfig {
  int every_epochs = 1;
  int batch_size = 256;
};

struct OutputConfig {
  std::string dir = "runs";            // run folders go to <dir>/<name>
  int64_t checkpoint_every_steps = 0;  // 0: at the end of every epoch
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::optional<uint64_t> seed;  // required unless privacy.secure_mode
  DataConfig data;
  ModelConfig model;
  TrainingConfig training;
  PrivacyConfig privacy;
  EvalConfig eval;
  OutputConfig output;
};

}  // namespace dpt
