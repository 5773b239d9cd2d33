// Slots of the fused recurrent ops (see sequence_slots.hpp).
#include "core/ops/sequence_slots.hpp"

#include <algorithm>
#include <numeric>

#include "core/runtime/parallel_blocks.hpp"

namespace dpt {

Slots make_slots(const BatchLayout& layout) {
  const int B = layout.batch();
  Slots s;
  bool non_increasing = true;
  for (int b = 1; b < B; ++b) non_increasing = non_increasing && layout.length(b) <= layout.length(b - 1);
  if (!non_increasing) {
    s.order.resize(static_cast<size_t>(B));
    std::iota(s.order.begin(), s.order.end(), 0);
    std::stable_sort(s.order.begin(), s.order.end(), [&](int a, int b) { return layout.length(a) > layout.length(b); });
  }
  s.active.assign(static_cast<size_t>(layout.steps()), 0);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < layout.length(b); ++t) ++s.active[static_cast<size_t>(t)];
  }
  return s;
}

template <typename T>
void permute_rows(const Matrix<T>& src, const std::vector<int>& order, bool to_slots, Matrix<T>& dst) {
  const Index B = static_cast<Index>(order.size());
  dst.resize(src.rows(), src.cols());
  const Index steps = B > 0 ? src.rows() / B : 0;
  parallel_blocks(steps, 8, [&](Index t0, Index n) {
    for (Index t = t0; t < t0 + n; ++t) {
      for (Index k = 0; k < B; ++k) {
        const Index slot = t * B + k, row = t * B + order[static_cast<size_t>(k)];
        if (to_slots) {
          dst.row(slot) = src.row(row);
        } else {
          dst.row(row) = src.row(slot);
        }
      }
    }
  });
}

template void permute_rows<float>(const Matrix<float>&, const std::vector<int>&, bool, Matrix<float>&);
template void permute_rows<double>(const Matrix<double>&, const std::vector<int>&, bool, Matrix<double>&);

}  // namespace dpt
