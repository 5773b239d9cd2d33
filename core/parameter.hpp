// A named trainable tensor. Names and layouts follow PyTorch (`weight_ih_l0` is 4H x D, gate
// order i, f, g, o) so weights round-trip with torch through safetensors.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace dpt {

template <typename T>
struct Parameter {
  std::string name;
  Matrix<T> value;  // weights (out, in); biases (1, n) stored as rank 1; embeddings (V, d)
  int rank = 2;     // 1 for biases: saved with shape [n]

  Index size() const { return value.size(); }
};

template <typename T>
using ParameterList = std::vector<Parameter<T>*>;

}  // namespace dpt
