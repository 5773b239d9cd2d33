// How much memory a run will need, estimated from its sizes, so that a run that cannot fit is
// refused before anything is allocated, naming the config field that drives the size
// (docs/config.md, "Memory"). An honest order of magnitude, not an exact account: it counts
// what grows with the sizes (parameters, optimizer moments, the examples, one step's
// activations and per-example work, a checkpoint's copies) and ignores what does not.
#pragma once

#include <string>
#include <vector>

#include "datasets/splits.hpp"
#include "experiments/config/experiment_config.hpp"

namespace dpt {

// The sizes the estimate reads, as doubles (products of int64 sizes overflow; doubles do not).
struct MemoryInputs {
  // Model: token ids through an Embedding (vocab_size > 0) or input_dim features per step.
  double vocab_size = 0;
  double embedding_dim = 0;
  double input_dim = 0;
  std::vector<double> hidden;      // (layers) recurrent sizes, per direction
  std::vector<double> gates;       // (layers) 4 (LSTM) or 3 (GRU); empty: 4 each
  std::vector<double> directions;  // (layers) 1 or 2 (bidirectional); empty: 1 each
  std::vector<double> dense;   // tanh head widths
  double outputs = 1;          // classes, targets or vocabulary
  bool per_step_outputs = false;  // language model: one output row per time step
  // Training.
  int optimizer_moments = 2;   // per parameter: adam/adamw 2, sgd with momentum 1, sgd 0
  bool private_training = true;
  double physical_batch = 1;   // examples in one forward/backward pass (a Poisson batch can exceed B)
  double eval_batch = 1;       // examples in one evaluation pass
  double threads = 1;          // per-example scratch is per thread
  // Data: every example of every split in memory.
  double examples = 0;         // 0: not known before the data is read
  double mean_length = 1;      // steps
  double max_length = 1;       // steps: a batch is padded to its longest example
  double target_dim = 0;       // regression targets per example
};

// Bytes, by part. A step, an evaluation and a checkpoint write do not overlap: the total holds
// the largest of the three on top of what lives for the whole run.
struct MemoryEstimate {
  double baseline = 0;         // the process itself: code, libraries, thread stacks
  double parameters = 0;
  double optimizer_state = 0;
  double data = 0;
  double training_step = 0;    // activations, tape, per-example work, gradient buffers
  double evaluation = 0;       // one evaluation batch's forward pass
  double checkpoint = 0;       // copies made while a checkpoint is written

  double total() const;
  // "parameters 1.5 GiB, optimizer state 3 GiB, data 12 KiB, one training step 40 MiB, ..."
  std::string breakdown() const;
};

// Trainable scalars of the model `in` describes (SequenceModel's exact count).
double parameter_count(const MemoryInputs& in);

MemoryEstimate estimate_memory(const MemoryInputs& in);

// Before the data is read: what the config alone says, with lower bounds for what only the data
// knows (vocabulary >= 2, length >= 1 and no examples counted for file sources). A generated
// dataset's config says the rest: its size, mean length (min + max) / 2, longest max_length.
MemoryInputs memory_inputs(const ExperimentConfig& config);
// Once the data is read: its vocabulary, input and output sizes, lengths and example count.
MemoryInputs memory_inputs(const ExperimentConfig& config, const UnsplitDataset& data);

// What a run may use: the smallest of /proc/meminfo's MemAvailable (memory the kernel can
// give without swapping), a cgroup memory limit less its usage, and `ulimit -v` less the
// address space in use. `source` says which one it is.
struct AvailableMemory {
  double bytes = 0;  // +inf when nothing could be read (the check is then skipped)
  std::string source;
};
AvailableMemory available_memory();

// Throws ConfigError naming the field that drives the size (the one whose reduction to 1 would
// lower the estimate most) when the estimate exceeds `available`, with the estimate, its parts
// and the memory available in the message.
void check_memory(const ExperimentConfig& config, const MemoryInputs& in, const AvailableMemory& available);

// 1536 -> "1.5 KiB"; binary units up to EiB, scientific beyond.
std::string format_bytes(double bytes);

}  // namespace dpt
