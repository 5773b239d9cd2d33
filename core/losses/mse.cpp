// Mean squared error with per-example values.
#include "core/losses/loss.hpp"

#include <string>

#include "core/error.hpp"

namespace dpt {

template <typename T>
LossResult<T> mse_loss(Tape<T>& tape, Var pred, const Matrix<T>& target) {
  const Matrix<T>& y = tape.value(pred);
  DPT_CHECK(target.rows() == y.rows() && target.cols() == y.cols(),
            "mse_loss: target must be (" + std::to_string(y.rows()) + ", " + std::to_string(y.cols()) + ").");
  const BatchLayout& l = *tape.layout(pred);
  LossResult<T> out;
  out.per_example = Vector<T>::Zero(l.batch());
  // dL/dpred = 2 (pred - target) / (n_i k) on example i's rows, 0 on padding.
  auto grad = std::make_shared<Matrix<T>>(Matrix<T>::Zero(y.rows(), y.cols()));
  for (int i = 0; i < l.batch(); ++i) {
    const T scale = T(1) / T(static_cast<double>(l.row_begin(i + 1) - l.row_begin(i)) * static_cast<double>(y.cols()));
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
      const int r = l.example_rows()[k];
      const RowVector<T> diff = y.row(r) - target.row(r);
      out.per_example(i) += scale * diff.squaredNorm();
      grad->row(r) = T(2) * scale * diff;
    }
  }
  Matrix<T> total(1, 1);
  total(0, 0) = out.per_example.sum();
  out.total = tape.push(std::move(total), BatchLayout::flat(1), [pred, grad](Tape<T>& t, Var, const Matrix<T>& g) {
    t.grad_accumulator(pred) += g(0, 0) * *grad;
  });
  return out;
}

template LossResult<float> mse_loss<float>(Tape<float>&, Var, const Matrix<float>&);
template LossResult<double> mse_loss<double>(Tape<double>&, Var, const Matrix<double>&);

}  // namespace dpt
