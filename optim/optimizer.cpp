// Validation, binding and checkpoint state shared by every optimizer (optimizer.hpp).
// The update rules live in sgd.cpp and adam.cpp.
#include "optim/optimizer.hpp"

#include <fmt/core.h>

#include <cmath>
#include <set>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {
namespace {

std::string shape(Index rows, Index cols) { return fmt::format("({}, {})", rows, cols); }

template <typename T>
void check_params(const ParameterList<T>& params, const char* where) {
  std::set<std::string> seen;
  for (size_t p = 0; p < params.size(); ++p) {
    DPT_CHECK(params[p] != nullptr, fmt::format("{}: parameter {} is null.", where, p));
    DPT_CHECK(seen.insert(params[p]->name).second,
              fmt::format("{}: parameter name '{}' occurs more than once.", where, params[p]->name));
  }
}

}  // namespace

template <typename T>
Optimizer<T>::Optimizer(std::string kind, std::vector<std::string> slots)
    : kind_(std::move(kind)), slots_(std::move(slots)), buffers_(slots_.size()) {}

template <typename T>
void Optimizer<T>::check_step(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads,
                              double learning_rate) const {
  check_finite_non_negative<InvalidArgument>(learning_rate, "learning_rate");
  DPT_CHECK(grads.size() == params.size(),
            fmt::format("step: expected one gradient per parameter ({}), but got {}.", params.size(), grads.size()));
  if (bound_) {
    DPT_CHECK(params.size() == names_.size(),
              fmt::format("step: the optimizer state holds {} parameters, but {} were passed.", names_.size(),
                          params.size()));
  }
  for (size_t p = 0; p < params.size(); ++p) {
    DPT_CHECK(params[p] != nullptr, fmt::format("step: parameter {} is null.", p));
    const Matrix<T>& value = params[p]->value;
    const std::string& name = params[p]->name;
    DPT_CHECK(grads[p].rows() == value.rows() && grads[p].cols() == value.cols(),
              fmt::format("{}: gradient is {}, but the parameter is {}.", name, shape(grads[p].rows(), grads[p].cols()),
                          shape(value.rows(), value.cols())));
    if (!bound_) continue;
    DPT_CHECK(name == names_[p],
              fmt::format("{}: parameter {} was '{}' when the optimizer state was created.", name, p, names_[p]));
    DPT_CHECK(value.rows() == shapes_[p].first && value.cols() == shapes_[p].second,
              fmt::format("{}: parameter is {}, but its optimizer state is {}.", name,
                          shape(value.rows(), value.cols()), shape(shapes_[p].first, shapes_[p].second)));
  }
}

template <typename T>
void Optimizer<T>::bind(const ParameterList<T>& params) {
  names_.clear();
  shapes_.clear();
  for (const Parameter<T>* param : params) {
    names_.push_back(param->name);
    shapes_.emplace_back(param->value.rows(), param->value.cols());
  }
  for (std::vector<Matrix<T>>& slot : buffers_) {
    slot.clear();
    for (const Parameter<T>* param : params) slot.push_back(Matrix<T>::Zero(param->value.rows(), param->value.cols()));
  }
  bound_ = true;
}

template <typename T>
void Optimizer<T>::step(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate) {
  check_step(params, grads, learning_rate);
  if (!bound_) {
    check_params(params, "step");
    bind(params);
  }
  update(params, grads, learning_rate, step_ + 1);
  ++step_;
}

template <typename T>
OptimizerState Optimizer<T>::state() const {
  OptimizerState out;
  out.optimizer = kind_;
  out.step = step_;
  if (step_ == 0) return out;
  for (size_t p = 0; p < names_.size(); ++p) {
    for (size_t s = 0; s < slots_.size(); ++s) {
      const Matrix<T>& b = buffers_[s][p];
      MomentBuffer m{names_[p], slots_[s], b.rows(), b.cols(), {}};
      m.values.assign(b.data(), b.data() + b.size());  // row-major storage, widened to double
      out.buffers.push_back(std::move(m));
    }
  }
  return out;
}

template <typename T>
void Optimizer<T>::load_state(const ParameterList<T>& params, const OptimizerState& state) {
  DPT_CHECK(state.optimizer == kind_,
            fmt::format("load_state: the state is for '{}', but this optimizer is '{}'.", state.optimizer, kind_));
  check_at_least<InvalidArgument>(state.step, 0, "load_state: step");
  check_params(params, "load_state");
  if (state.step == 0) {
    DPT_CHECK(state.buffers.empty(),
              fmt::format("load_state: a state at step 0 must have no buffers, but has {}.", state.buffers.size()));
    bound_ = false;
    names_.clear();
    shapes_.clear();
    for (std::vector<Matrix<T>>& slot : buffers_) slot.clear();
    step_ = 0;
    return;
  }
  DPT_CHECK(state.buffers.size() == params.size() * slots_.size(),
            fmt::format("load_state: expected {} buffers ({} parameters x {} slots), but got {}.",
                        params.size() * slots_.size(), params.size(), slots_.size(), state.buffers.size()));
  // Build everything first, commit only when all of it is valid.
  std::vector<std::vector<Matrix<T>>> loaded(slots_.size(), std::vector<Matrix<T>>(params.size()));
  std::vector<std::vector<bool>> filled(slots_.size(), std::vector<bool>(params.size(), false));
  for (const MomentBuffer& m : state.buffers) {
    size_t s = 0;
    while (s < slots_.size() && slots_[s] != m.slot) ++s;
    DPT_CHECK(s < slots_.size(), fmt::format("{}: unknown slot '{}' for optimizer '{}'.", m.parameter, m.slot, kind_));
    size_t p = 0;
    while (p < params.size() && params[p]->name != m.parameter) ++p;
    DPT_CHECK(p < params.size(),
              fmt::format("{}: the state has a '{}' buffer for a parameter not in the list.", m.parameter, m.slot));
    DPT_CHECK(!filled[s][p], fmt::format("{}: the state has more than one '{}' buffer.", m.parameter, m.slot));
    const Matrix<T>& value = params[p]->value;
    DPT_CHECK(m.rows == value.rows() && m.cols == value.cols(),
              fmt::format("{}: '{}' buffer is {}, but the parameter is {}.", m.parameter, m.slot, shape(m.rows, m.cols),
                          shape(value.rows(), value.cols())));
    DPT_CHECK(m.values.size() == static_cast<size_t>(value.size()),
              fmt::format("{}: '{}' buffer has {} values, but its shape {} needs {}.", m.parameter, m.slot,
                          m.values.size(), shape(m.rows, m.cols), value.size()));
    Matrix<T> b(m.rows, m.cols);
    for (Index i = 0; i < b.size(); ++i) b.data()[i] = static_cast<T>(m.values[static_cast<size_t>(i)]);
    loaded[s][p] = std::move(b);
    filled[s][p] = true;
  }
  // Exactly params x slots buffers, none duplicated, so every (slot, parameter) is filled.
  bind(params);
  buffers_ = std::move(loaded);
  step_ = state.step;
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace dpt
