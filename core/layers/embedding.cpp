// Embedding table (see embedding.hpp).
#include "core/layers/embedding.hpp"

#include "core/error.hpp"
#include "core/layers/init.hpp"
#include "core/ops/param_ops.hpp"

namespace dpt {

template <typename T>
Embedding<T>::Embedding(const std::string& name, int vocab_size, int dim, uint64_t seed) {
  DPT_CHECK(vocab_size > 0 && dim > 0, name + ": vocabulary size and dimension must be > 0.");
  weight = {name + ".weight", Matrix<T>(vocab_size, dim), 2};
  init_normal(weight.value, 1.0, seed);
}

template <typename T>
Var Embedding<T>::forward(Tape<T>& tape, std::shared_ptr<const std::vector<int32_t>> ids, LayoutPtr layout) {
  return embedding_lookup(tape, std::move(ids), weight, std::move(layout));
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace dpt
