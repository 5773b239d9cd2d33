// Linear layer y = x W^T + b (torch.nn.Linear's layout and names: `<name>.weight` (out, in),
// `<name>.bias` (out)).
#pragma once

#include <cstdint>
#include <string>

#include "core/autograd/tape.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
class Linear {
 public:
  Linear(const std::string& name, int in_features, int out_features, bool bias, uint64_t seed);

  Var forward(Tape<T>& tape, Var x);
  ParameterList<T> parameters();

  Parameter<T> weight;  // (out, in)
  Parameter<T> bias;    // (1, out); unused when has_bias is false
  bool has_bias;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace dpt
