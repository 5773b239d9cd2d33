// The optimizer and learning-rate schedule a config asks for (training.optimizer,
// training.schedule). Both are post-processing of the noisy gradient (optim/).
#pragma once

#include <cstdint>
#include <memory>

#include "experiments/config/experiment_config.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/optimizer.hpp"

namespace dpt {

std::unique_ptr<Optimizer<float>> make_optimizer(const OptimizerConfig& config);

// The schedule over a run of `steps` steps, after training.schedule.warmup_steps of linear warm-up.
LrSchedule make_schedule(const TrainingConfig& training, int64_t steps);

}  // namespace dpt
