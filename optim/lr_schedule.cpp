// Learning-rate schedules (lr_schedule.hpp): step decay, cosine annealing (Loshchilov &
// Hutter 2017, eq. 5) and linear warm-up (Goyal et al. 2017). Evaluated in closed form from
// the step index, so a restored run needs only its step count.
#include "optim/lr_schedule.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace dpt {
namespace {

void check_learning_rate(double learning_rate) {
  DPT_CHECK(std::isfinite(learning_rate) && learning_rate > 0.0,
            fmt::format("learning_rate must be finite and positive, but is {}.", learning_rate));
}

}  // namespace

LrSchedule LrSchedule::constant(double learning_rate) {
  check_learning_rate(learning_rate);
  return LrSchedule(Kind::kConstant, learning_rate);
}

LrSchedule LrSchedule::step(double learning_rate, int64_t step_size, double gamma) {
  check_learning_rate(learning_rate);
  DPT_CHECK(step_size >= 1, fmt::format("step_size must be >= 1, but is {}.", step_size));
  DPT_CHECK(gamma > 0.0 && gamma <= 1.0, fmt::format("gamma must be in (0, 1], but is {}.", gamma));
  LrSchedule s(Kind::kStep, learning_rate);
  s.step_size_ = step_size;
  s.gamma_ = gamma;
  return s;
}

LrSchedule LrSchedule::cosine(double learning_rate, int64_t total_steps, double min_learning_rate) {
  check_learning_rate(learning_rate);
  DPT_CHECK(total_steps >= 1, fmt::format("total_steps must be >= 1, but is {}.", total_steps));
  DPT_CHECK(min_learning_rate >= 0.0 && min_learning_rate <= learning_rate,
            fmt::format("min_learning_rate must be in [0, learning_rate = {}], but is {}.", learning_rate,
                        min_learning_rate));
  LrSchedule s(Kind::kCosine, learning_rate);
  s.total_steps_ = total_steps;
  s.min_learning_rate_ = min_learning_rate;
  return s;
}

LrSchedule LrSchedule::with_warmup(int64_t warmup_steps) const {
  DPT_CHECK(warmup_steps >= 0, fmt::format("warmup_steps must be >= 0, but is {}.", warmup_steps));
  LrSchedule s = *this;
  s.warmup_steps_ = warmup_steps;
  return s;
}

double LrSchedule::base(int64_t step) const {
  switch (kind_) {
    case Kind::kConstant:
      return learning_rate_;
    case Kind::kStep:
      return learning_rate_ * std::pow(gamma_, static_cast<double>(step / step_size_));
    case Kind::kCosine: {
      const double progress = static_cast<double>(std::min(step, total_steps_)) / static_cast<double>(total_steps_);
      return min_learning_rate_ +
             (learning_rate_ - min_learning_rate_) * (1.0 + std::cos(std::numbers::pi * progress)) / 2.0;
    }
  }
  return learning_rate_;  // unreachable
}

double LrSchedule::learning_rate(int64_t step) const {
  DPT_CHECK(step >= 0, fmt::format("step must be >= 0, but is {}.", step));
  if (step < warmup_steps_) {
    return base(0) * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  }
  return base(step - warmup_steps_);
}

}  // namespace dpt
