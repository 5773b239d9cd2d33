// The optimizer interface and its checkpointable state. An optimizer is post-processing of the
// privatized gradient (Abadi et al. 2016, Alg. 1, step "descent"): it sees only the noisy,
// averaged gradient aligned with a ParameterList, never per-example data, so it costs no privacy.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/parameter.hpp"
#include "core/tensor.hpp"

namespace dpt {

// One moment buffer of one parameter, e.g. ("lstm.weight_ih_l0", "exp_avg"). Values are
// row-major and stored as double whatever the training scalar: float -> double -> float
// round-trips exactly, so a restored run continues bit for bit.
struct MomentBuffer {
  std::string parameter;  // Parameter::name
  std::string slot;       // PyTorch's state key: "momentum_buffer", "exp_avg", "exp_avg_sq"
  Index rows = 0;
  Index cols = 0;
  std::vector<double> values;  // (rows * cols) row-major
};

// Everything an optimizer carries between steps, for checkpoints. Hyper-parameters are not
// part of it: they come from the run's configuration.
struct OptimizerState {
  std::string optimizer;  // "sgd", "adam" or "adamw"; load_state rejects another kind
  int64_t step = 0;       // steps taken; buffers are empty while it is 0
  std::vector<MomentBuffer> buffers;
};

// Base of every optimizer. step() validates, then calls update(); buffers are bound to the
// parameters (by position, checked by name and shape) at the first step or at load_state.
template <typename T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Applies one update to params[p]->value from grads[p]. Throws dpt::InvalidArgument, before
  // changing anything, if a gradient's count or shape, a parameter's name or shape (against the
  // bound state) or the learning rate is wrong.
  void step(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate);

  OptimizerState state() const;
  // Replaces the state with `state`, validated against this optimizer's kind and against
  // `params` (every parameter has each slot exactly once, with its shape; nothing extra).
  void load_state(const ParameterList<T>& params, const OptimizerState& state);

  int64_t steps_taken() const { return step_; }
  const std::string& kind() const { return kind_; }

 protected:
  Optimizer(std::string kind, std::vector<std::string> slots);

  // One update with validated inputs; t = 1 at the first step. Buffers exist and are zero
  // at t = 1.
  virtual void update(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate,
                      int64_t t) = 0;
  Matrix<T>& buffer(size_t slot, size_t p) { return buffers_[slot][p]; }

 private:
  void check_step(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate) const;
  void bind(const ParameterList<T>& params);  // records names and shapes, zeroes the buffers

  std::string kind_;
  std::vector<std::string> slots_;               // slot names, in update() order
  std::vector<std::vector<Matrix<T>>> buffers_;  // [slot][p], shaped like params[p]->value
  bool bound_ = false;                           // set by the first step or load_state
  std::vector<std::string> names_;               // bound params' names, shapes
  std::vector<std::pair<Index, Index>> shapes_;  // (rows, cols) per bound parameter
  int64_t step_ = 0;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace dpt
