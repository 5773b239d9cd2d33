// Linear layer (see linear.hpp).
#include "core/layers/linear.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/layers/init.hpp"
#include "core/ops/param_ops.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {

template <typename T>
Linear<T>::Linear(const std::string& name, int in_features, int out_features, bool with_bias, uint64_t seed)
    : has_bias(with_bias) {
  DPT_CHECK(in_features > 0 && out_features > 0, name + ": features must be > 0.");
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight = {name + ".weight", Matrix<T>(out_features, in_features), 2};
  init_uniform(weight.value, bound, derive_seed(seed, 0));
  if (has_bias) {
    bias = {name + ".bias", Matrix<T>(1, out_features), 1};
    init_uniform(bias.value, bound, derive_seed(seed, 1));
  }
}

template <typename T>
Var Linear<T>::forward(Tape<T>& tape, Var x) {
  return linear(tape, x, weight, has_bias ? &bias : nullptr);
}

template <typename T>
ParameterList<T> Linear<T>::parameters() {
  if (has_bias) return {&weight, &bias};
  return {&weight};
}

template class Linear<float>;
template class Linear<double>;

}  // namespace dpt
