// Parameter uses: linear maps, bias additions and embedding lookups (DESIGN.md: every
// parameter is used linearly, so dL/dW = G^T A and example i's gradient is G_i^T A_i).
#include "core/ops/param_ops.hpp"

#include <string>

#include "base/check.hpp"
#include "core/error.hpp"

namespace dpt {

template <typename T>
Var linear(Tape<T>& tape, Var x, Parameter<T>& weight, std::type_identity_t<Parameter<T>>* bias) {
  const Matrix<T>& vx = tape.value(x);
  DPT_CHECK(vx.cols() == weight.value.cols(),
            weight.name + ": input has " + std::to_string(vx.cols()) + " features, but the weight expects " +
                std::to_string(weight.value.cols()) + ".");
  Matrix<T> y(vx.rows(), weight.value.rows());
  y.noalias() = vx * weight.value.transpose();
  int bias_use = -1;
  if (bias != nullptr) {
    DPT_CHECK(bias->value.rows() == 1 && bias->value.cols() == weight.value.rows(),
              bias->name + ": must be a (1, " + std::to_string(weight.value.rows()) + ") row.");
    y.rowwise() += bias->value.row(0);
    bias_use = tape.record_use({UseKind::kBias, bias, tape.layout(x), nullptr, nullptr, nullptr});
  }
  const int weight_use =
      tape.record_use({UseKind::kLinear, &weight, tape.layout(x), tape.value_ptr(x), nullptr, nullptr});
  const Parameter<T>* w = &weight;
  return tape.push(std::move(y), tape.layout(x),
                   [x, w, weight_use, bias_use](Tape<T>& t, Var, const Matrix<T>& gy) {
                     auto G = std::make_shared<const Matrix<T>>(gy);  // (N, d_out)
                     t.set_use_grad(weight_use, G);
                     if (bias_use >= 0) t.set_use_grad(bias_use, G);
                     t.grad_accumulator(x).noalias() += gy * w->value;
                   });
}

template <typename T>
Var add_bias(Tape<T>& tape, Var x, Parameter<T>& bias) {
  DPT_CHECK(bias.value.rows() == 1 && bias.value.cols() == tape.cols(x),
            bias.name + ": must be a (1, " + std::to_string(tape.cols(x)) + ") row.");
  Matrix<T> y = tape.value(x);
  y.rowwise() += bias.value.row(0);
  const int use = tape.record_use({UseKind::kBias, &bias, tape.layout(x), nullptr, nullptr, nullptr});
  return tape.push(std::move(y), tape.layout(x), [x, use](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.set_use_grad(use, std::make_shared<const Matrix<T>>(gy));
    t.grad_accumulator(x) += gy;
  });
}

template <typename T>
Var embedding_lookup(Tape<T>& tape, std::shared_ptr<const std::vector<int32_t>> ids,
                     Parameter<T>& table, LayoutPtr layout) {
  DPT_CHECK(ids != nullptr && static_cast<int>(ids->size()) == layout->rows(),
            table.name + ": needs one id per row (" + std::to_string(layout->rows()) + ").");
  const Index V = table.value.rows();
  Matrix<T> y(layout->rows(), table.value.cols());
  for (Index r = 0; r < y.rows(); ++r) {
    const int32_t id = (*ids)[r];
    DPT_CHECK(id >= 0 && id < V, must_be_message(table.name + ": token id at row " + format_number(r),
                                                 "in [0, " + format_number(V) + ")", format_number(id)));
    y.row(r) = table.value.row(id);
  }
  const int use = tape.record_use({UseKind::kEmbedding, &table, layout, nullptr, std::move(ids), nullptr});
  return tape.push(std::move(y), layout, [use](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.set_use_grad(use, std::make_shared<const Matrix<T>>(gy));
  });
}

#define DPT_INSTANTIATE(T)                                                                  \
  template Var linear<T>(Tape<T>&, Var, Parameter<T>&, Parameter<T>*);                      \
  template Var add_bias<T>(Tape<T>&, Var, Parameter<T>&);                                   \
  template Var embedding_lookup<T>(Tape<T>&, std::shared_ptr<const std::vector<int32_t>>,   \
                                   Parameter<T>&, LayoutPtr);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
