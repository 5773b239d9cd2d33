// One DP-SGD step, top to bottom (see dp_step.hpp for the numbered stages).
#include "experiments/run/dp_step.hpp"

#include <chrono>
#include <utility>

#include "core/error.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/accounting/dp_event.hpp"
#include "dp/physical_batches.hpp"

namespace dpt {

DpStep::DpStep(DpStepParts parts) : parts_(std::move(parts)) {
  if (parts_.optimizer == nullptr || parts_.sampler == nullptr) throw InvalidArgument("DpStep: needs an optimizer and a sampler");
  if (parts_.privatizer != nullptr && parts_.accountant == nullptr) {
    throw InvalidArgument("DpStep: a private step needs an accountant to charge");
  }
}

DpEvent DpStep::charged_event() const {
  if (!is_private()) throw InvalidArgument("DpStep::charged_event: a non-private step charges nothing");
  return DpEvent::poisson_sampled_gaussian(parts_.sampler->sampling_rate(), parts_.privatizer->config().noise_multiplier);
}

StepResult DpStep::run(const StepTask& task, int64_t step, double learning_rate) const {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> batch;
  if (!distributed() || parts_.communicator->is_root()) {
    batch = parts_.sampler->sample(static_cast<uint64_t>(step));  // 1 Poisson sample (rank 0's is everyone's)
  }
  StepResult result = process(task, std::move(batch), step, learning_rate);
  stats_.steps += 1;
  stats_.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

StepResult DpStep::run_on_batch(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const {
  if (is_private()) throw InvalidArgument("DpStep::run_on_batch: a private step must draw its own Poisson sample (run)");
  return process(task, std::move(batch), step, learning_rate);
}

StepResult DpStep::process(const StepTask& task, std::vector<int64_t> batch, int64_t step, double learning_rate) const {
  if (distributed()) return process_distributed(task, std::move(batch), step, learning_rate);
  task.order(batch);  // processing order only
  StepResult result;
  result.batch_size = static_cast<int>(batch.size());
  GradientSums sums;
  const uint64_t step_seed = derive_seed(parts_.dropout_seed, static_cast<uint64_t>(step));
  const std::vector<std::vector<int64_t>> chunks = physical_batches(batch, parts_.max_physical_batch_size);
  for (size_t c = 0; c < chunks.size(); ++c) {
    ChunkSum s = chunk_sum(task, chunks[c], c == 0 ? step_seed : derive_seed(step_seed, c));  // 2-5
    result.loss_sum += s.loss_sum;
    merge(std::move(s.sums), sums);
  }
  update(std::move(sums), result, step, learning_rate);  // 6-8
  return result;
}

DpStep::ChunkSum DpStep::chunk_sum(const StepTask& task, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const {
  ChunkSum s;
  Tape<float> tape;
  const LossResult<float> loss = task.loss(tape, chunk, dropout_seed);  // 2 forward
  tape.backward(loss.total);                                            // 3 backward: (A, G) per use
  s.loss_sum = loss.per_example.cast<double>().sum();
  add_chunk(tape.uses(), static_cast<int>(chunk.size()), s.sums);      // 4-5 norms, clip, sum
  return s;
}

void DpStep::add_chunk(const std::vector<ParamUse<float>>& uses, int chunk_size, GradientSums& sums) const {
  if (is_private()) {
    parts_.privatizer->accumulate(uses, parts_.params, chunk_size, sums.clipped);  // sum_i c_i g_i
    return;
  }
  if (chunk_size == 0) return;
  sums.plain = gradient_sum(uses, parts_.params);  // sum_i g_i
}

// The sums of the chunks so far plus one more: the first chunk's sums are taken as they are,
// every later one is added to them, in chunk order (the same additions on any number of ranks).
void DpStep::merge(GradientSums from, GradientSums& into) const {
  ClippedBatchSum<float>& a = into.clipped;
  a.examples += from.clipped.examples;
  a.clipped_examples += from.clipped.clipped_examples;
  a.nonfinite_examples += from.clipped.nonfinite_examples;
  if (a.sum.empty()) {
    a.sum = std::move(from.clipped.sum);
  } else if (!from.clipped.sum.empty()) {
    for (size_t p = 0; p < a.sum.size(); ++p) a.sum[p] += from.clipped.sum[p];
  }
  if (into.plain.empty()) {
    into.plain = std::move(from.plain);
  } else if (!from.plain.empty()) {
    for (size_t p = 0; p < into.plain.size(); ++p) into.plain[p] += from.plain[p];
  }
}

void DpStep::update(GradientSums sums, StepResult& result, int64_t step, double learning_rate) const {
  if (!is_private()) {
    if (result.batch_size == 0) return;                                           // nothing to average
    for (MatrixF& m : sums.plain) m /= static_cast<float>(result.batch_size);     // mean gradient
    parts_.optimizer->step(parts_.params, sums.plain, learning_rate);
    return;
  }
  const Privatizer& privatizer = *parts_.privatizer;
  const PrivatizedGradient<float> g = privatizer.finish(std::move(sums.clipped), parts_.params,  // 6 noise, ÷ q·N
                                                        static_cast<uint64_t>(step));
  parts_.optimizer->step(parts_.params, g.gradients, learning_rate);                // 7 post-processing
  parts_.accountant->compose(charged_event());                                       // 8 charge the step: the q and σ just used
  result.clipped = g.clipped_examples;
  result.nonfinite = g.nonfinite_examples;
}

}  // namespace dpt
