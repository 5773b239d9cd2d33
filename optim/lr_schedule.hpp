// Learning-rate schedules as values: constant, step decay (torch StepLR), cosine annealing
// (Loshchilov & Hutter 2017, SGDR eq. 5, one cycle without restarts), each optionally preceded
// by a linear warm-up (Goyal et al. 2017, §2.2). A schedule is pure: it keeps no step counter.
#pragma once

#include <cstdint>

namespace dpt {

// learning_rate(s) for the 0-based step s (the number of optimizer steps already taken).
// With warm-up of w steps, the base schedule's clock starts when the warm-up ends:
//   s < w:  η_base(0) · (s + 1) / w      (never 0: a step at lr 0 would still spend privacy)
//   s >= w: η_base(s − w)
// where η_base is one of
//   constant:  η
//   step:      η · γ^⌊s / k⌋
//   cosine:    η_min + (η − η_min) · (1 + cos(π · min(s, S) / S)) / 2      (η_min after S)
class LrSchedule {
 public:
  // Each throws dpt::InvalidArgument naming the first invalid argument.
  static LrSchedule constant(double learning_rate);
  static LrSchedule step(double learning_rate, int64_t step_size, double gamma);
  static LrSchedule cosine(double learning_rate, int64_t total_steps, double min_learning_rate = 0.0);

  // A copy of this schedule preceded by `warmup_steps` (>= 0; 0 removes the warm-up).
  LrSchedule with_warmup(int64_t warmup_steps) const;

  // Throws dpt::InvalidArgument if step < 0.
  double learning_rate(int64_t step) const;

  int64_t warmup_steps() const { return warmup_steps_; }

 private:
  enum class Kind { kConstant, kStep, kCosine };
  LrSchedule(Kind kind, double learning_rate) : kind_(kind), learning_rate_(learning_rate) {}
  double base(int64_t step) const;

  Kind kind_;
  double learning_rate_;            // η, the peak
  int64_t step_size_ = 1;           // k (step)
  double gamma_ = 1.0;              // γ (step)
  int64_t total_steps_ = 1;         // S (cosine)
  double min_learning_rate_ = 0.0;  // η_min (cosine)
  int64_t warmup_steps_ = 0;        // w
};

}  // namespace dpt
