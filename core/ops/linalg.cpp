// Activation-only linear algebra with its reverse-mode rules.
#include "core/ops/linalg.hpp"

#include <string>

#include "core/error.hpp"

namespace dpt {

template <typename T>
Var matmul(Tape<T>& tape, Var a, Var b) {
  DPT_CHECK(tape.cols(a) == tape.rows(b), "matmul: inner dimensions differ (" +
                                              std::to_string(tape.cols(a)) + " vs " +
                                              std::to_string(tape.rows(b)) + ").");
  Matrix<T> y = tape.value(a) * tape.value(b);
  return tape.push(std::move(y), tape.layout(a), [a, b](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(a).noalias() += gy * t.value(b).transpose();
    t.grad_accumulator(b).noalias() += t.value(a).transpose() * gy;
  });
}

template <typename T>
Var add(Tape<T>& tape, Var a, Var b) {
  const Matrix<T>& va = tape.value(a);
  const Matrix<T>& vb = tape.value(b);
  DPT_CHECK(va.cols() == vb.cols() && (vb.rows() == va.rows() || vb.rows() == 1),
            "add: b must have a's shape or be a (1, " + std::to_string(va.cols()) + ") row.");
  const bool broadcast = vb.rows() != va.rows();
  Matrix<T> y = va;
  if (broadcast) {
    y.rowwise() += vb.row(0);
  } else {
    y += vb;
  }
  return tape.push(std::move(y), tape.layout(a), [a, b, broadcast](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(a) += gy;
    if (broadcast) {
      add_row_sum(gy, t.grad_accumulator(b).row(0));
    } else {
      t.grad_accumulator(b) += gy;
    }
  });
}

template <typename T>
Var concat_cols(Tape<T>& tape, const std::vector<Var>& parts) {
  DPT_CHECK(!parts.empty(), "concat_cols: needs at least one part.");
  const Index rows = tape.rows(parts[0]);
  Index cols = 0;
  for (Var p : parts) {
    DPT_CHECK(tape.rows(p) == rows, "concat_cols: every part must have the same rows.");
    cols += tape.cols(p);
  }
  Matrix<T> y(rows, cols);
  Index c = 0;
  for (Var p : parts) {
    y.middleCols(c, tape.cols(p)) = tape.value(p);
    c += tape.cols(p);
  }
  return tape.push(std::move(y), tape.layout(parts[0]), [parts](Tape<T>& t, Var, const Matrix<T>& gy) {
    Index offset = 0;
    for (Var p : parts) {
      t.grad_accumulator(p) += gy.middleCols(offset, t.cols(p));
      offset += t.cols(p);
    }
  });
}

template <typename T>
Var slice_cols(Tape<T>& tape, Var x, Index begin, Index count) {
  DPT_CHECK(begin >= 0 && count >= 0 && begin + count <= tape.cols(x),
            "slice_cols: columns [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                ") are outside the input's " + std::to_string(tape.cols(x)) + ".");
  Matrix<T> y = tape.value(x).middleCols(begin, count);
  return tape.push(std::move(y), tape.layout(x), [x, begin, count](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(x).middleCols(begin, count) += gy;
  });
}

#define DPT_INSTANTIATE(T)                                                  \
  template Var matmul<T>(Tape<T>&, Var, Var);                               \
  template Var add<T>(Tape<T>&, Var, Var);                                  \
  template Var concat_cols<T>(Tape<T>&, const std::vector<Var>&);           \
  template Var slice_cols<T>(Tape<T>&, Var, Index, Index);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
