// Softmax cross-entropy (classification and per-token LM), stable log-sum-exp.
#include "core/losses/loss.hpp"

#include <cmath>
#include <string>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {

template <typename T>
LossResult<T> cross_entropy_loss(Tape<T>& tape, Var logits, const std::vector<int32_t>& targets) {
  const Matrix<T>& z = tape.value(logits);  // (N, C)
  const Index C = z.cols();
  DPT_CHECK(static_cast<Index>(targets.size()) == z.rows(),
            "cross_entropy_loss: needs one target per row (" + std::to_string(z.rows()) + "), got " +
                std::to_string(targets.size()) + ".");
  const BatchLayout& l = *tape.layout(logits);
  LossResult<T> out;
  out.per_example = Vector<T>::Zero(l.batch());
  auto grad = std::make_shared<Matrix<T>>(Matrix<T>::Zero(z.rows(), C));  // dL/dlogits
  for (int i = 0; i < l.batch(); ++i) {
    int counted = 0;
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) counted += targets[l.example_rows()[k]] >= 0;
    if (counted == 0) continue;
    const T inv_n = T(1) / T(counted);
    for (int k = l.row_begin(i); k < l.row_begin(i + 1); ++k) {
      const int r = l.example_rows()[k];
      const int32_t y = targets[r];
      if (y < 0) continue;
      DPT_CHECK(y < C, must_be_message("cross_entropy_loss: target at row " + format_number(r),
                                       "in [0, " + format_number(C) + ")", format_number(y)));
      const T m = z.row(r).maxCoeff();
      const RowVector<T> e = (z.row(r).array() - m).exp().matrix();  // (1, C)
      const T sum = e.sum();
      out.per_example(i) += inv_n * (m + std::log(sum) - z(r, y));
      grad->row(r) = (inv_n / sum) * e;  // softmax / n_i
      (*grad)(r, y) -= inv_n;
    }
  }
  Matrix<T> total(1, 1);
  total(0, 0) = out.per_example.sum();
  out.total = tape.push(std::move(total), BatchLayout::flat(1), [logits, grad](Tape<T>& t, Var, const Matrix<T>& g) {
    t.grad_accumulator(logits) += g(0, 0) * *grad;
  });
  return out;
}

template LossResult<float> cross_entropy_loss<float>(Tape<float>&, Var, const std::vector<int32_t>&);
template LossResult<double> cross_entropy_loss<double>(Tape<double>&, Var, const std::vector<int32_t>&);

}  // namespace dpt
