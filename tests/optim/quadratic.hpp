// Test helpers for the optimizer suite: a quadratic loss f(p) = ½ Σ a_ij (p_ij − c_ij)², whose
// gradient a ⊙ (p − c) is known in closed form, and a catcher for error messages.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/parameter.hpp"
#include "optim/optimizer.hpp"

namespace dpt::test {

template <typename T>
struct Quadratic {
  Matrix<T> a;  // (rows, cols) curvature per coordinate
  Matrix<T> c;  // (rows, cols) minimiser

  Matrix<T> gradient(const Matrix<T>& p) const { return a.cwiseProduct(p - c); }
};

// A 1 x 1 parameter with value p0.
inline Parameter<double> scalar_parameter(double p0, const std::string& name = "w") {
  Parameter<double> w{name, MatrixD::Constant(1, 1, p0), 2};
  return w;
}

// Runs `steps` optimizer steps of `q` on `params` (one parameter) at a constant learning rate,
// returning the parameter's (0, 0) entry after each step.
template <typename T>
std::vector<double> trajectory(Optimizer<T>& opt, Parameter<T>& param, const Quadratic<T>& q, double lr, int steps) {
  std::vector<double> out;
  const ParameterList<T> params{&param};
  for (int s = 0; s < steps; ++s) {
    opt.step(params, {q.gradient(param.value)}, lr);
    out.push_back(static_cast<double>(param.value(0, 0)));
  }
  return out;
}

inline Quadratic<double> scalar_quadratic(double a, double c = 0.0) {
  return {MatrixD::Constant(1, 1, a), MatrixD::Constant(1, 1, c)};
}

// The message of the dpt::InvalidArgument that `f` throws, or "(no exception)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace dpt::test
