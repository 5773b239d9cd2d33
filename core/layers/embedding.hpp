// Embedding table (torch.nn.Embedding's layout: `<name>.weight` (V, d)).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
class Embedding {
 public:
  Embedding(const std::string& name, int vocab_size, int dim, uint64_t seed);

  // ids: one per row of `layout` (time-major), each in [0, V). -> (rows, d)
  Var forward(Tape<T>& tape, std::shared_ptr<const std::vector<int32_t>> ids, LayoutPtr layout);
  ParameterList<T> parameters() { return {&weight}; }

  Parameter<T> weight;  // (V, d)
};

extern template class Embedding<float>;
extern template class Embedding<double>;

}  // namespace dpt
