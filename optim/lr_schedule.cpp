// Learning-rate schedules (lr_schedule.hpp): step decay, cosine annealing (Loshchilov &
// Hutter 2017, eq. 5) and linear warm-up (Goyal et al. 2017). Evaluated in closed form from
// the step index, so a restored run needs only its step count.
#include "optim/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {
namespace {

void check_learning_rate(double learning_rate) {
  check_finite_positive<InvalidArgument>(learning_rate, "learning_rate");
}

}  // namespace

LrSchedule LrSchedule::constant(double learning_rate) {
  check_learning_rate(learning_rate);
  return LrSchedule(Kind::kConstant, learning_rate);
}

LrSchedule LrSchedule::step(double learning_rate, int64_t step_size, double gamma) {
  check_learning_rate(learning_rate);
  check_at_least<InvalidArgument>(step_size, 1, "step_size");
  check_in<InvalidArgument>(gamma, Bounds::left_open(0.0, 1.0), "gamma");
  LrSchedule s(Kind::kStep, learning_rate);
  s.step_size_ = step_size;
  s.gamma_ = gamma;
  return s;
}

LrSchedule LrSchedule::cosine(double learning_rate, int64_t total_steps, double min_learning_rate) {
  check_learning_rate(learning_rate);
  check_at_least<InvalidArgument>(total_steps, 1, "total_steps");
  check_that<InvalidArgument>(min_learning_rate >= 0.0 && min_learning_rate <= learning_rate, "min_learning_rate",
                              "in [0, learning_rate = " + format_number(learning_rate) + "]", min_learning_rate);
  LrSchedule s(Kind::kCosine, learning_rate);
  s.total_steps_ = total_steps;
  s.min_learning_rate_ = min_learning_rate;
  return s;
}

LrSchedule LrSchedule::with_warmup(int64_t warmup_steps) const {
  check_at_least<InvalidArgument>(warmup_steps, 0, "warmup_steps");
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
  check_at_least<InvalidArgument>(step, 0, "step");
  if (step < warmup_steps_) {
    return base(0) * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  }
  return base(step - warmup_steps_);
}

}  // namespace dpt
