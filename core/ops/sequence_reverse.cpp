// Per-example time reversal (see sequence_reverse.hpp).
#include "core/ops/sequence_reverse.hpp"

#include "core/runtime/parallel_blocks.hpp"

namespace dpt {
namespace {

// dst row t*B + b = src row (len_b - 1 - t)*B + b on valid rows, 0 on padding rows; when
// `accumulate`, added into dst instead (backward). Rows are independent: blocks of examples.
template <typename T>
void reverse_rows(const BatchLayout& layout, const Matrix<T>& src, bool accumulate, Matrix<T>& dst) {
  const int B = layout.batch();
  parallel_blocks(B, 16, [&](Index b0, Index n) {
    for (Index b = b0; b < b0 + n; ++b) {
      const int len = layout.length(static_cast<int>(b));
      for (int t = 0; t < layout.steps(); ++t) {
        const Index row = static_cast<Index>(t) * B + b;
        if (t >= len) {
          if (!accumulate) dst.row(row).setZero();
          continue;
        }
        const Index mirrored = static_cast<Index>(len - 1 - t) * B + b;
        if (accumulate) {
          dst.row(row) += src.row(mirrored);
        } else {
          dst.row(row) = src.row(mirrored);
        }
      }
    }
  });
}

}  // namespace

template <typename T>
Var reverse_sequences(Tape<T>& tape, Var x) {
  const Matrix<T>& vx = tape.value(x);  // (T*B, D)
  Matrix<T> y(vx.rows(), vx.cols());     // (T*B, D)
  reverse_rows(*tape.layout(x), vx, /*accumulate=*/false, y);
  return tape.push(std::move(y), tape.layout(x), [x](Tape<T>& t, Var, const Matrix<T>& gy) {
    reverse_rows(*t.layout(x), gy, /*accumulate=*/true, t.grad_accumulator(x));
  });
}

template Var reverse_sequences<float>(Tape<float>&, Var);
template Var reverse_sequences<double>(Tape<double>&, Var);

}  // namespace dpt
