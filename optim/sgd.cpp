// SGD with momentum, Nesterov momentum and L2 weight decay, as torch.optim.SGD with
// dampening 0 (Sutskever et al. 2013). See sgd.hpp for the update rule.
#include "optim/sgd.hpp"

#include <fmt/core.h>

#include <cmath>

#include "core/error.hpp"

namespace dpt {
namespace {

std::vector<std::string> sgd_slots(const SgdOptions& o) {
  if (o.momentum == 0.0) return {};
  return {"momentum_buffer"};
}

SgdOptions validated(const SgdOptions& o) {
  DPT_CHECK(o.momentum >= 0.0 && o.momentum < 1.0,  // false for NaN
            fmt::format("momentum must be in [0, 1), but is {}.", o.momentum));
  DPT_CHECK(!o.nesterov || o.momentum > 0.0,
            fmt::format("nesterov needs momentum > 0, but momentum is {}.", o.momentum));
  DPT_CHECK(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0,
            fmt::format("weight_decay must be finite and non-negative, but is {}.", o.weight_decay));
  return o;
}

}  // namespace

template <typename T>
Sgd<T>::Sgd(SgdOptions options) : Optimizer<T>("sgd", sgd_slots(validated(options))), options_(options) {}

template <typename T>
void Sgd<T>::update(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate,
                    int64_t t) {
  const T lr = static_cast<T>(learning_rate);
  const T mu = static_cast<T>(options_.momentum);
  const T lambda = static_cast<T>(options_.weight_decay);
  Matrix<T> g;  // (rows, cols) of params[p]: the gradient with weight decay, then the direction
  for (size_t p = 0; p < params.size(); ++p) {
    Matrix<T>& value = params[p]->value;
    g = grads[p];
    if (options_.weight_decay != 0.0) g += lambda * value;
    if (options_.momentum != 0.0) {
      Matrix<T>& b = this->buffer(0, p);
      if (t == 1) {
        b = g;
      } else {
        b = mu * b + g;
      }
      if (options_.nesterov) {
        g += mu * b;
      } else {
        g = b;
      }
    }
    value -= lr * g;
  }
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace dpt
