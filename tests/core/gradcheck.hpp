// Whole-Jacobian finite-difference checks in double (flashlight / llm.c style).
// The analytic Jacobian is built row by row: one backward per output entry, seeded with a
// unit vector; input rows come from the leaves' gradients, parameter rows from the tape's
// ParamUse records (gradient_sum). The numerical Jacobian is built column by column with
// central differences. The metric is ||J_a - J_n||_F / ||J_a + J_n||_F; the worst entry is
// reported so a failure says where.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/per_example/gradient_sum.hpp"

namespace dpt::testing {

struct GradInput {
  MatrixD value;
  LayoutPtr layout;
  std::string name;
};

struct GradCheckResult {
  double rel_error = 0.0;
  std::string worst;  // "d out[k] / d name[j]: analytic a, numeric n"
};

// build(tape, leaves) -> the output node whose Jacobian is checked.
using GraphBuilder = std::function<Var(Tape<double>&, const std::vector<Var>&)>;

inline GradCheckResult check_jacobian(std::vector<GradInput>& inputs, const ParameterList<double>& params,
                                      const GraphBuilder& build, double h = 1e-6) {
  auto run = [&](Tape<double>& tape) {
    std::vector<Var> leaves;
    for (const GradInput& in : inputs) leaves.push_back(tape.leaf(in.value, in.layout));
    return std::make_pair(build(tape, leaves), leaves);
  };
  // Columns: every input entry, then every parameter entry.
  struct Column {
    double* x;
    std::string label;
  };
  std::vector<Column> columns;
  for (GradInput& in : inputs) {
    for (Index j = 0; j < in.value.size(); ++j) columns.push_back({in.value.data() + j, in.name + "[" + std::to_string(j) + "]"});
  }
  for (Parameter<double>* p : params) {
    for (Index j = 0; j < p->value.size(); ++j) columns.push_back({p->value.data() + j, p->name + "[" + std::to_string(j) + "]"});
  }
  Tape<double> probe;
  const MatrixD y0 = probe.value(run(probe).first);
  const Index m = y0.size();
  const Index n = static_cast<Index>(columns.size());

  MatrixD analytic(m, n);
  for (Index k = 0; k < m; ++k) {
    Tape<double> tape;
    auto [out, leaves] = run(tape);
    MatrixD seed = MatrixD::Zero(y0.rows(), y0.cols());
    seed.data()[k] = 1.0;
    tape.backward(out, seed);
    Index c = 0;
    for (Var leaf : leaves) {
      const MatrixD g = tape.grad(leaf);
      for (Index j = 0; j < g.size(); ++j) analytic(k, c++) = g.data()[j];
    }
    const std::vector<MatrixD> grads = gradient_sum(tape.uses(), params);
    for (const MatrixD& g : grads) {
      for (Index j = 0; j < g.size(); ++j) analytic(k, c++) = g.data()[j];
    }
  }
  MatrixD numeric(m, n);
  for (Index c = 0; c < n; ++c) {
    const double saved = *columns[c].x;
    *columns[c].x = saved + h;
    Tape<double> plus;
    const MatrixD y_plus = plus.value(run(plus).first);
    *columns[c].x = saved - h;
    Tape<double> minus;
    const MatrixD y_minus = minus.value(run(minus).first);
    *columns[c].x = saved;
    for (Index k = 0; k < m; ++k) numeric(k, c) = (y_plus.data()[k] - y_minus.data()[k]) / (2 * h);
  }
  GradCheckResult r;
  const double denom = (analytic + numeric).norm();
  r.rel_error = denom == 0.0 ? (analytic - numeric).norm() : (analytic - numeric).norm() / denom;
  Index wk = 0, wc = 0;
  (analytic - numeric).cwiseAbs().maxCoeff(&wk, &wc);
  std::ostringstream s;
  s.precision(10);
  if (n > 0 && m > 0) {
    s << "worst: d out[" << wk << "] / d " << columns[wc].label << ": analytic " << analytic(wk, wc) << ", numeric "
      << numeric(wk, wc) << " (Jacobian " << m << " x " << n << ", |J| = " << analytic.norm() << ")";
  }
  r.worst = s.str();
  return r;
}

}  // namespace dpt::testing

// CHECK a Jacobian's relative error against a bound, printing the worst entry either way.
#define CHECK_JACOBIAN(result, bound)  \
  do {                                 \
    const auto& r_ = (result);         \
    CHECK(r_.rel_error <= (bound));    \
    MESSAGE("rel error " << r_.rel_error << "; " << r_.worst); \
  } while (false)
