// Optimizer and schedule from a config (see optimizer_setup.hpp).
#include "experiments/run/optimizer_setup.hpp"

#include <algorithm>
#include <stdexcept>

#include "optim/adam.hpp"
#include "optim/sgd.hpp"

namespace dpt {

std::unique_ptr<Optimizer<float>> make_optimizer(const OptimizerConfig& c) {
  const AdamOptions adam{c.beta1, c.beta2, c.eps, c.weight_decay};
  switch (c.kind) {
    case OptimizerKind::kSgd: return std::make_unique<Sgd<float>>(SgdOptions{c.momentum, c.nesterov, c.weight_decay});
    case OptimizerKind::kAdam: return std::make_unique<Adam<float>>(adam);
    case OptimizerKind::kAdamW: return std::make_unique<AdamW<float>>(adam);
  }
  throw std::logic_error("make_optimizer: unknown OptimizerKind");
}

LrSchedule make_schedule(const TrainingConfig& t, int64_t steps) {
  const ScheduleConfig& s = t.schedule;
  const double lr = t.optimizer.learning_rate;
  switch (s.kind) {
    case ScheduleKind::kConstant: return LrSchedule::constant(lr).with_warmup(s.warmup_steps);
    case ScheduleKind::kStep: return LrSchedule::step(lr, s.step_size, s.gamma).with_warmup(s.warmup_steps);
    case ScheduleKind::kCosine:
      return LrSchedule::cosine(lr, std::max<int64_t>(1, steps - s.warmup_steps), s.min_learning_rate).with_warmup(s.warmup_steps);
  }
  throw std::logic_error("make_schedule: unknown ScheduleKind");
}

}  // namespace dpt
