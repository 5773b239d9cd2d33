// Elementwise ops and their derivatives: d sigmoid = s(1-s), d tanh = 1 - tanh^2.
#include "core/ops/elementwise.hpp"

#include <string>

#include "base/check.hpp"
#include "core/error.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {

template <typename T>
Var mul(Tape<T>& tape, Var a, Var b) {
  DPT_CHECK(tape.rows(a) == tape.rows(b) && tape.cols(a) == tape.cols(b), "mul: shapes differ.");
  Matrix<T> y = tape.value(a).cwiseProduct(tape.value(b));
  return tape.push(std::move(y), tape.layout(a), [a, b](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(a) += gy.cwiseProduct(t.value(b));
    t.grad_accumulator(b) += gy.cwiseProduct(t.value(a));
  });
}

template <typename T>
Var sigmoid(Tape<T>& tape, Var x) {
  Matrix<T> y = (T(1) + (-tape.value(x).array()).exp()).inverse().matrix();
  return tape.push(std::move(y), tape.layout(x), [x](Tape<T>& t, Var self, const Matrix<T>& gy) {
    const auto s = t.value(self).array();
    t.grad_accumulator(x).array() += gy.array() * s * (T(1) - s);
  });
}

template <typename T>
Var tanh(Tape<T>& tape, Var x) {
  Matrix<T> y = tape.value(x).array().tanh().matrix();
  return tape.push(std::move(y), tape.layout(x), [x](Tape<T>& t, Var self, const Matrix<T>& gy) {
    const auto th = t.value(self).array();
    t.grad_accumulator(x).array() += gy.array() * (T(1) - th * th);
  });
}

template <typename T>
Var scale(Tape<T>& tape, Var x, T s) {
  Matrix<T> y = s * tape.value(x);
  return tape.push(std::move(y), tape.layout(x), [x, s](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(x) += s * gy;
  });
}

template <typename T>
Var dropout(Tape<T>& tape, Var x, double p, uint64_t seed) {
  check_in<InvalidArgument>(p, Bounds::right_open(0.0, 1.0), "dropout probability");
  if (p == 0.0) return x;
  const Matrix<T>& vx = tape.value(x);
  const CounterRng rng(seed);
  auto mask = std::make_shared<Matrix<T>>(vx.rows(), vx.cols());  // (rows, cols) 0 or 1/(1-p)
  const T keep_scale = T(1.0 / (1.0 - p));
  for (Index r = 0; r < vx.rows(); ++r) {
    for (Index c = 0; c < vx.cols(); ++c) {
      const uint64_t k = static_cast<uint64_t>(r) * static_cast<uint64_t>(vx.cols()) + static_cast<uint64_t>(c);
      (*mask)(r, c) = rng.uniform(k) < p ? T(0) : keep_scale;
    }
  }
  Matrix<T> y = vx.cwiseProduct(*mask);
  return tape.push(std::move(y), tape.layout(x), [x, mask](Tape<T>& t, Var, const Matrix<T>& gy) {
    t.grad_accumulator(x) += gy.cwiseProduct(*mask);
  });
}

#define DPT_INSTANTIATE(T)                               \
  template Var mul<T>(Tape<T>&, Var, Var);               \
  template Var sigmoid<T>(Tape<T>&, Var);                \
  template Var tanh<T>(Tape<T>&, Var);                   \
  template Var scale<T>(Tape<T>&, Var, T);               \
  template Var dropout<T>(Tape<T>&, Var, double, uint64_t);
DPT_INSTANTIATE(float)
DPT_INSTANTIATE(double)
#undef DPT_INSTANTIATE

}  // namespace dpt
