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
#include "optim/optimizer.hpp"

namespace dpt {

// What a step needs from the task and its data: the loss of a chunk of training examples.
class StepTask {
 public:
  virtual ~StepTask() = default;
  // Reorders a sampled batch for processing only (the clipped sum does not depend on the order).
  virtual void order(std::vector<int64_t>& batch) const = 0;
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

 private:
  // Sum over the chunks of the batch: clipped per example (private) or plain.
  struct GradientSums {
    ClippedBatchSum<float> clipped;
    std::vector<MatrixF> plain;
  };

  StepResult process(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const;
  void add_chunk(const std::vector<ParamUse<float>>& uses, int chunk_size, GradientSums& sums) const;
  void update(GradientSums sums, StepResult& result, int64_t step, double learning_rate) const;

  DpStepParts parts_;
};

}  // namespace dpt
