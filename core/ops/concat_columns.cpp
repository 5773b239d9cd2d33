// [a | b] and its backward (see concat_columns.hpp).
#include "core/ops/concat_columns.hpp"

#include "core/error.hpp"

namespace dpt {

template <typename T>
Var concat_columns(Tape<T>& tape, Var a, Var b) {
  const Matrix<T>& va = tape.value(a);  // (N, Da)
  const Matrix<T>& vb = tape.value(b);  // (N, Db)
  DPT_CHECK(va.rows() == vb.rows() && tape.layout(a) == tape.layout(b), "concat_columns: both inputs must have one layout.");
  Matrix<T> y(va.rows(), va.cols() + vb.cols());  // (N, Da + Db)
  y.leftCols(va.cols()) = va;
  y.rightCols(vb.cols()) = vb;
  const Index Da = va.cols(), Db = vb.cols();
  return tape.push(std::move(y), tape.layout(a), [a, b, Da, Db](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(a) += gy.leftCols(Da);
    t.grad_accumulator(b) += gy.rightCols(Db);
  });
}

template Var concat_columns<float>(Tape<float>&, Var, Var);
template Var concat_columns<double>(Tape<double>&, Var, Var);

}  // namespace dpt
