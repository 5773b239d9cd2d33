// SGD with momentum, Nesterov momentum and L2 weight decay, as torch.optim.SGD with
// dampening 0 (Sutskever et al. 2013). See sgd.hpp for the update rule.
#include "optim/sgd.hpp"

#include <cmath>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {
namespace {

std::vector<std::string> sgd_slots(const SgdOptions& o) {
  if (o.momentum == 0.0) return {};
  return {"momentum_buffer"};
}

SgdOptions validated(const SgdOptions& o) {
  check_in<InvalidArgument>(o.momentum, Bounds::right_open(0.0, 1.0), "momentum");
  DPT_CHECK(!o.nesterov || o.momentum > 0.0,
            "nesterov needs momentum > 0, but momentum is " + format_number(o.momentum) + ".");
  check_finite_non_negative<InvalidArgument>(o.weight_decay, "weight_decay");
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
