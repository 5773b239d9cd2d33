// The record a parameter use leaves on the tape: (A, G, rows -> example).
// Every parameter enters a model linearly (DESIGN.md, "Per-example gradients"):
//   kLinear     Y = A W^T        dL/dW = G^T A           W: (d_out, d_in), A: (N, d_in)
//   kBias       Y = X + 1 b^T    dL/db = 1^T G           b: (1, d_out)
//   kEmbedding  Y[r] = E[id_r]   dL/dE[v] = sum_{r: id_r = v} G[r]
// G: (N, d_out) is the gradient of the summed loss with respect to Y; backward fills it in.
// The gradient of example i is the same sum restricted to the rows that belong to i.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/batch_layout.hpp"
#include "core/parameter.hpp"
#include "core/tensor.hpp"

namespace dpt {

enum class UseKind { kLinear, kBias, kEmbedding };

template <typename T>
struct ParamUse {
  UseKind kind = UseKind::kLinear;
  Parameter<T>* param = nullptr;
  LayoutPtr layout;                                 // rows of A and G -> example
  std::shared_ptr<const Matrix<T>> A;               // kLinear: (N, d_in) inputs of the use
  std::shared_ptr<const std::vector<int32_t>> ids;  // kEmbedding: (N) table row used by row r
  std::shared_ptr<const Matrix<T>> G;               // (N, d_out); null until backward reaches it
};

}  // namespace dpt
