// Adam and AdamW update rules (Kingma & Ba 2015, Alg. 1; Loshchilov & Hutter 2019, Alg. 2),
// in torch.optim's arithmetic order. See adam.hpp for the equations.
#include "optim/adam.hpp"

#include <cmath>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {
namespace {

AdamOptions validated(const AdamOptions& o) {
  check_in<InvalidArgument>(o.beta1, Bounds::right_open(0.0, 1.0), "beta1");
  check_in<InvalidArgument>(o.beta2, Bounds::right_open(0.0, 1.0), "beta2");
  check_finite_non_negative<InvalidArgument>(o.eps, "eps");
  check_finite_non_negative<InvalidArgument>(o.weight_decay, "weight_decay");
  return o;
}

}  // namespace

template <typename T>
Adam<T>::Adam(AdamOptions options) : Adam(options, false, "adam") {}

template <typename T>
Adam<T>::Adam(AdamOptions options, bool decoupled_weight_decay, std::string kind)
    : Optimizer<T>(std::move(kind), {"exp_avg", "exp_avg_sq"}),
      options_(validated(options)),
      decoupled_(decoupled_weight_decay) {}

template <typename T>
AdamW<T>::AdamW(AdamOptions options) : Adam<T>(options, true, "adamw") {}

template <typename T>
void Adam<T>::update(const ParameterList<T>& params, const std::vector<Matrix<T>>& grads, double learning_rate,
                     int64_t t) {
  const double td = static_cast<double>(t);
  const T b1 = static_cast<T>(options_.beta1);
  const T b2 = static_cast<T>(options_.beta2);
  const T eps = static_cast<T>(options_.eps);
  const T lambda = static_cast<T>(options_.weight_decay);
  // Bias corrections in double, as torch does for a non-capturable step.
  const T step_size = static_cast<T>(learning_rate / (1.0 - std::pow(options_.beta1, td)));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(options_.beta2, td)));
  const T decay = static_cast<T>(1.0 - learning_rate * options_.weight_decay);
  const bool l2 = !decoupled_ && options_.weight_decay != 0.0;
  Matrix<T> decayed;  // (rows, cols) of params[p]: grad + λ·p, only for Adam with weight decay
  for (size_t p = 0; p < params.size(); ++p) {
    Matrix<T>& value = params[p]->value;
    if (l2) decayed = grads[p] + lambda * value;
    const Matrix<T>& g = l2 ? decayed : grads[p];
    if (decoupled_ && options_.weight_decay != 0.0) value *= decay;
    Matrix<T>& m = this->buffer(0, p);
    Matrix<T>& v = this->buffer(1, p);
    m = b1 * m + (T(1) - b1) * g;
    v.array() = b2 * v.array() + (T(1) - b2) * g.array().square();
    value.array() -= step_size * m.array() / (v.array().sqrt() / bc2_sqrt + eps);
  }
}

template class Adam<float>;
template class Adam<double>;
template class AdamW<float>;
template class AdamW<double>;

}  // namespace dpt
