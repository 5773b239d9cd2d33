// The memory estimate's model: bytes from sizes (see memory_estimate.hpp; memory_limits.cpp reads
// the sizes from a config and the limits from the system; the model is documented in docs/config.md,
// "Memory"). Every count below follows the buffers the code allocates: the shape comments of
// core/ops/lstm_sequence.cpp, core/per_example/, optim/ and experiments/run/checkpoint.cpp.
// All arithmetic is in double: no product of sizes can overflow.
#include "experiments/run/memory_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/per_example/clipped_sum.hpp"

namespace dpt {
namespace {

constexpr double kFloat = 4.0;   // training scalar (float32)
constexpr double kDouble = 8.0;  // optimizer state in checkpoints, ghost Grams
constexpr double kKiB = 1024.0;
// The process before any size matters: code, libraries, the OpenMP pool, the heap's arenas.
// Measured: peak RSS of `dptrain run` on a 100-example model of 4 units is 9.2 MiB.
constexpr double kProcessBaselineBytes = 8.0 * kKiB * kKiB;
// malloc's per-block overhead and rounding, for the vectors every example holds.
constexpr double kHeapBlockBytes = 16.0;

// Layer k's gates per unit (4 LSTM, 3 GRU) and directions (1, or 2 bidirectional).
double gates_of(const MemoryInputs& in, size_t k) { return k < in.gates.size() ? in.gates[k] : 4.0; }
double directions_of(const MemoryInputs& in, size_t k) { return k < in.directions.size() ? in.directions[k] : 1.0; }

struct ModelShape {
  double total = 0;                     // every parameter
  double linear_weights = 0;            // W_ih, W_hh, dense and output weights (the fused pass's lanes)
  double largest_in = 0, largest_out = 0;  // the largest linear weight (d_in, d_out)
};

ModelShape model_shape(const MemoryInputs& in) {
  ModelShape s;
  auto linear = [&](double d_in, double d_out, double biases) {
    s.total += d_in * d_out + biases;
    s.linear_weights += d_in * d_out;
    if (d_in * d_out > s.largest_in * s.largest_out) {
      s.largest_in = d_in;
      s.largest_out = d_out;
    }
  };
  double width = in.vocab_size > 0 ? in.embedding_dim : in.input_dim;
  if (in.vocab_size > 0) s.total += in.vocab_size * in.embedding_dim;  // (V, E) embedding
  for (size_t k = 0; k < in.hidden.size(); ++k) {
    const double H = in.hidden[k], G = gates_of(in, k) * H;  // G = 4H (LSTM) or 3H (GRU)
    for (double d = 0; d < directions_of(in, k); ++d) {
      linear(width, G, 2 * G);  // W_ih (G, D) with b_ih, b_hh (G each)
      linear(H, G, 0);          // W_hh (G, H)
    }
    width = directions_of(in, k) * H;
  }
  for (const double d : in.dense) {
    linear(width, d, d);
    width = d;
  }
  linear(width, in.outputs, in.outputs);
  return s;
}

double input_width(const MemoryInputs& in) { return in.vocab_size > 0 ? in.embedding_dim : in.input_dim; }

double head_sum(const MemoryInputs& in) {
  double d = in.outputs;
  for (const double w : in.dense) d += w;
  return d;
}

// One training step on a physical batch of b examples padded to T steps: R = T b rows.
double training_step_bytes(const MemoryInputs& in, const ModelShape& m) {
  const double b = in.physical_batch, T = in.max_length, R = b * T;
  double floats = R * (input_width(in) + 1);  // (R, D) inputs or embedding output, (R) token ids
  double D = input_width(in);
  for (size_t k = 0; k < in.hidden.size(); ++k) {
    // Per direction, LSTM: forward gates (4H), c, tanh(c), h_{t-1}, output (4H); backward:
    // dL/dZ (4H) and its reordering (4H, transient), dL/dh (H) and the reordered output
    // gradient (H); the reordered input and its gradient (2D). A GRU's buffers are no larger
    // (3H gates, Zh's n block, two G of 3H). A bidirectional layer adds the reversed input and
    // output and their gradients (2D + 4H) and the concatenated output (2H, and its gradient).
    const double H = in.hidden[k], dirs = directions_of(in, k);
    floats += R * dirs * (2 * D + 14 * H);
    if (dirs > 1) floats += R * (2 * D + 8 * H);
    D = dirs * H;
  }
  const double head_rows = in.per_step_outputs ? R : b;
  floats += head_rows * 3 * head_sum(in);  // value, activation, gradient of each head layer
  floats += 3 * m.total;                   // sum_i c_i g_i, the noisy gradient, the optimizer's input
  double bytes = floats * kFloat;
  if (in.private_training) {
    // Lane sums of the fused pass: min(8, b) copies of every fused weight, capped by the budget
    // (beyond it the largest weights go ghost).
    bytes += std::min(std::min(static_cast<double>(kClippedSumLanes), b) * m.linear_weights * kFloat,
                      kFusedLaneBudgetBytes);
    // Per thread, for one example at a time: its rows of A and G, then either g_i (d_in d_out)
    // or the ghost Grams (2 T^2 doubles) with the rows in double, whichever the cost model
    // picks; the smaller is the likely pick.
    const double rows = T * (m.largest_in + m.largest_out);
    const double materialised = m.largest_in * m.largest_out * kFloat;
    const double ghost = (2 * T * T + rows) * kDouble;
    bytes += in.threads * (rows * kFloat + std::min(materialised, ghost));
  }
  return bytes;
}

// One evaluation batch: forward only, no gradients.
double evaluation_bytes(const MemoryInputs& in) {
  const double e = in.eval_batch, R = e * in.max_length;
  double floats = R * (input_width(in) + 1);
  double D = input_width(in);
  for (size_t k = 0; k < in.hidden.size(); ++k) {
    const double H = in.hidden[k], dirs = directions_of(in, k);
    floats += R * dirs * (D + 8 * H);
    if (dirs > 1) floats += R * (D + 4 * H);  // the reversed input and output, the concatenation
    D = dirs * H;
  }
  floats += (in.per_step_outputs ? R : e) * 2 * head_sum(in);
  return floats * kFloat;
}

// Each example: its record (moved once during the split, so twice for a while), two indices of
// the split, and its tokens or features and targets on the heap.
double data_bytes(const MemoryInputs& in) {
  const double per_step = in.vocab_size > 0 ? sizeof(int32_t) : in.input_dim * kFloat;
  double per_example = 2.0 * sizeof(Example) + 2.0 * sizeof(int64_t) + in.mean_length * per_step + kHeapBlockBytes;
  if (in.target_dim > 0) per_example += in.target_dim * kFloat + kHeapBlockBytes;
  return in.examples * per_example;
}

}  // namespace

double MemoryEstimate::total() const {
  return baseline + parameters + optimizer_state + data + std::max({training_step, evaluation, checkpoint});
}

std::string MemoryEstimate::breakdown() const {
  return fmt::format("parameters {}, optimizer state {}, data {}, one training step {}, evaluation {}, checkpoint copies {}",
                     format_bytes(parameters), format_bytes(optimizer_state), format_bytes(data), format_bytes(training_step),
                     format_bytes(evaluation), format_bytes(checkpoint));
}

double parameter_count(const MemoryInputs& in) { return model_shape(in).total; }

MemoryEstimate estimate_memory(const MemoryInputs& in) {
  const ModelShape m = model_shape(in);
  MemoryEstimate e;
  e.baseline = kProcessBaselineBytes;
  e.parameters = m.total * kFloat;
  e.optimizer_state = in.optimizer_moments * m.total * kFloat;
  e.data = data_bytes(in);
  e.training_step = training_step_bytes(in, m);
  e.evaluation = evaluation_bytes(in);
  // The moments as double (OptimizerState), their F64 tensors and serialised bytes, and the
  // serialised model (experiments/run/checkpoint.cpp).
  e.checkpoint = (3.0 * in.optimizer_moments * kDouble + kFloat) * m.total;
  return e;
}

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (!std::isfinite(bytes)) return "unbounded memory";
  int u = 0;
  double x = bytes;
  while (x >= 1024.0 && u < 6) {
    x /= 1024.0;
    ++u;
  }
  if (x >= 1024.0) return fmt::format("{:.2g} EiB", x);
  if (u == 0) return fmt::format("{:.0f} bytes", x);
  return fmt::format("{:.3g} {}", x, kUnits[u]);
}

}  // namespace dpt