// Time pooling over variable-length sequences.
#include "core/ops/pooling.hpp"

#include "core/error.hpp"

namespace dpt {

template <typename T>
Var last_valid_step(Tape<T>& tape, Var x) {
  const BatchLayout& in = *tape.layout(x);
  const Matrix<T>& vx = tape.value(x);
  const int B = in.batch();
  Matrix<T> y(B, vx.cols());
  for (int b = 0; b < B; ++b) y.row(b) = vx.row((in.length(b) - 1) * B + b);
  return tape.push(std::move(y), BatchLayout::flat(B), [x](Tape<T>& t, Var, const Matrix<T>& gy) {
    const BatchLayout& l = *t.layout(x);
    Matrix<T>& gx = t.grad_accumulator(x);
    for (int b = 0; b < l.batch(); ++b) gx.row((l.length(b) - 1) * l.batch() + b) += gy.row(b);
  });
}

template <typename T>
Var bidirectional_last_step(Tape<T>& tape, Var x) {
  const BatchLayout& in = *tape.layout(x);
  const Matrix<T>& vx = tape.value(x);  // (T*B, 2H)
  DPT_CHECK(vx.cols() % 2 == 0, "bidirectional_last_step: needs [forward | backward] columns.");
  const Index H = vx.cols() / 2;
  const int B = in.batch();
  Matrix<T> y(B, 2 * H);  // (B, 2H)
  for (int b = 0; b < B; ++b) {
    y.row(b).head(H) = vx.row((in.length(b) - 1) * B + b).head(H);
    y.row(b).tail(H) = vx.row(b).tail(H);
  }
  return tape.push(std::move(y), BatchLayout::flat(B), [x, H](Tape<T>& t, Var, const Matrix<T>& gy) {
    const BatchLayout& l = *t.layout(x);
    Matrix<T>& gx = t.grad_accumulator(x);
    for (int b = 0; b < l.batch(); ++b) {
      gx.row((l.length(b) - 1) * l.batch() + b).head(H) += gy.row(b).head(H);
      gx.row(b).tail(H) += gy.row(b).tail(H);
    }
  });
}

template <typename T>
Var masked_mean(Tape<T>& tape, Var x) {
  const BatchLayout& in = *tape.layout(x);
  const Matrix<T>& vx = tape.value(x);
  const int B = in.batch();
  Matrix<T> y = Matrix<T>::Zero(B, vx.cols());
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < in.length(b); ++t) y.row(b) += vx.row(t * B + b);
    y.row(b) /= T(in.length(b));
  }
  return tape.push(std::move(y), BatchLayout::flat(B), [x](Tape<T>& t, Var, const Matrix<T>& gy) {
    const BatchLayout& l = *t.layout(x);
    Matrix<T>& gx = t.grad_accumulator(x);
    for (int b = 0; b < l.batch(); ++b) {
      const T inv_len = T(1) / T(l.length(b));
      for (int s = 0; s < l.length(b); ++s) gx.row(s * l.batch() + b) += inv_len * gy.row(b);
    }
  });
}

template Var last_valid_step<float>(Tape<float>&, Var);
template Var last_valid_step<double>(Tape<double>&, Var);
template Var bidirectional_last_step<float>(Tape<float>&, Var);
template Var bidirectional_last_step<double>(Tape<double>&, Var);
template Var masked_mean<float>(Tape<float>&, Var);
template Var masked_mean<double>(Tape<double>&, Var);

}  // namespace dpt
