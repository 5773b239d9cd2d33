// Seeded initialisers on the counter-based generator.
#include "core/layers/init.hpp"

#include "core/random/counter_rng.hpp"

namespace dpt {

template <typename T>
void init_uniform(Matrix<T>& m, double bound, uint64_t seed) {
  const CounterRng rng(seed);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = T((2.0 * rng.uniform(static_cast<uint64_t>(k)) - 1.0) * bound);
}

template <typename T>
void init_normal(Matrix<T>& m, double stddev, uint64_t seed) {
  const CounterRng rng(seed);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = T(stddev * rng.normal(static_cast<uint64_t>(k)));
}

template void init_uniform<float>(Matrix<float>&, double, uint64_t);
template void init_uniform<double>(Matrix<double>&, double, uint64_t);
template void init_normal<float>(Matrix<float>&, double, uint64_t);
template void init_normal<double>(Matrix<double>&, double, uint64_t);

}  // namespace dpt
