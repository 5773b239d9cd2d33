// One DP-SGD step (Abadi et al. 2016, Algorithm 1, with Poisson sampling): the only wiring of
// sampler, model, privatizer, optimizer and accountant (DESIGN.md, data flow). The trainer and
// the benchmarks run their steps through DpStep::run, so a change here is a change everywhere.
//
//   1 sample      B_t ~ Poisson(q) over the N training examples        (dp/poisson_sampler.hpp)
//   2 forward     per physical chunk of B_t (training.max_physical_batch_size)
//   3 backward    the tape records (A, G) per parameter use
//   4-5 clip+sum  sum_i c_i g_i, c_i = min(1, C/||g_i||)                (dp/privatizer.hpp)
//   6 noise       + N(0, σ²C² I), once per step, then ÷ q·N
//   7 optimizer   post-processing of the noisy gradient                  (optim/)
//   8 charge      one Poisson-sampled Gaussian (q, σ) to the accountant
//
// A non-private step is the same path without 4-6 and 8: the plain gradient sum ÷ |B_t|.
//
// On K ranks (docs/distributed.md) rank 0 draws B_t and broadcasts it, each rank runs 2-5 on
// the chunks it is assigned (experiments/distributed/chunk_assignment.hpp) and sends their sums
// to rank 0, which adds them in chunk order — the same additions as one process — and runs 6-8
// alone; the new parameters and the step's result are broadcast. The noise is drawn once, by
// rank 0 (reproducible or secure), and the bits do not depend on K.
#pragma once

#include <cstdint>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/losses/loss.hpp"
#include "core/parameter.hpp"
#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/distributed/communicator.hpp"
#include "optim/optimizer.hpp"

namespace dpt {

// What a step needs from the task and its data: the loss of a chunk of training examples.
class StepTask {
 public:
  virtual ~StepTask() = default;
  // Reorders a sampled batch for processing only (the clipped sum does not depend on the order).
  virtual void order(std::vector<int64_t>& batch) const = 0;
  // Relative cost of processing `chunk` (tokens): balances chunks over ranks.
  virtual int64_t cost(const std::vector<int64_t>& chunk) const { return static_cast<int64_t>(chunk.size()); }
  // Forward pass of the examples `chunk` on `tape` (dropout drawn from `dropout_seed`): their loss.
  virtual LossResult<float> loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const = 0;
};

// The components a step wires together; DpStep borrows them (they outlive it).
struct DpStepParts {
  ParameterList<float> params;
  Optimizer<float>* optimizer = nullptr;
  const PoissonSampler* sampler = nullptr;
  const Privatizer* privatizer = nullptr;   // null: a non-private step
  PrivacyAccountant* accountant = nullptr;  // required with a privatizer: charged every step
  int max_physical_batch_size = 0;          // 0: the sampled batch in one chunk
  uint64_t dropout_seed = 0;                // step t's dropout: derive_seed(dropout_seed, t), then per chunk
  const Communicator* communicator = nullptr;  // null (or one rank): this process does the whole step
};

// The steps' wall time and, on K ranks, rank 0's time in communication (receiving chunk sums,
// broadcasting the batch and the update): what `dptrain run` prints under an MPI launcher and
// bench/mpi_step_bench.sh reads.
struct StepCommStats {
  int64_t steps = 0;      // run() calls
  double total_ms = 0.0;  // whole steps, 1-8
  double comm_ms = 0.0;   // of which waiting for or moving messages (K > 1)
  double bytes = 0.0;     // sent and received by rank 0
};

struct StepResult {
  int batch_size = 0;     // |B_t| (metrics only; never the divisor of a private step)
  double loss_sum = 0.0;  // sum of the examples' losses
  int clipped = 0;        // examples with c_i < 1
  int nonfinite = 0;      // examples dropped for NaN/Inf gradients
};

class DpStep {
 public:
  // Throws InvalidArgument if a part is missing (a privatizer without an accountant).
  explicit DpStep(DpStepParts parts);

  // Step `step` (its sampling, dropout and noise streams) at `learning_rate`: 1-8 above.
  StepResult run(const StepTask& task, int64_t step, double learning_rate) const;

  // Steps 2-7 on a batch the caller chose (benchmarks' fixed non-private batch). Non-private
  // steps only: a private step must be Poisson-sampled to be charged as one (throws otherwise).
  StepResult run_on_batch(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const;

  bool is_private() const { return parts_.privatizer != nullptr; }
  // What a private step charges: the Poisson-sampled Gaussian of the sampler's q and the
  // privatizer's σ (the mechanism that runs). Throws InvalidArgument for a non-private step.
  DpEvent charged_event() const;

  const StepCommStats& comm_stats() const { return stats_; }

 private:
  // Sum over the chunks of the batch: clipped per example (private) or plain.
  struct GradientSums {
    ClippedBatchSum<float> clipped;
    std::vector<MatrixF> plain;
  };

  // One chunk's contribution, as a rank computes it and rank 0 adds it.
  struct ChunkSum {
    GradientSums sums;  // this chunk alone
    double loss_sum = 0.0;
  };

  StepResult process(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const;
  StepResult process_distributed(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const;
  ChunkSum chunk_sum(const StepTask& task, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const;
  void add_chunk(const std::vector<ParamUse<float>>& uses, int chunk_size, GradientSums& sums) const;
  void merge(GradientSums from, GradientSums& into) const;
  void update(GradientSums sums, StepResult& result, int64_t step, double learning_rate) const;
  bool distributed() const { return parts_.communicator != nullptr && parts_.communicator->size() > 1; }

  DpStepParts parts_;
  mutable StepCommStats stats_;
};

}  // namespace dpt
